"""Physical machines: registration (stable pmids), discovery results, listing."""


import sqlalchemy as sa

from service import clock
from service.errors import Conflict, NotFound
from service.store.records import Pm, PmBrief
from service.store.schema import pms

GET_PM = sa.select(pms).where(pms.c.id == sa.bindparam("pmid"))
# a host's numbers, all the seed API's /pm/query shows: no settings or facts decoded
PM_BRIEF = sa.select(pms.c.id, pms.c.cpu, pms.c.ram_mb, pms.c.disk_gb, pms.c.used_cpu,
                     pms.c.used_ram_mb, pms.c.used_disk_gb, pms.c.vm_count) \
    .where(pms.c.id == sa.bindparam("pmid"))
PMIDS = sa.select(pms.c.id).order_by(pms.c.id)
ALL_PMS = sa.select(pms).order_by(pms.c.id)
PMS_IN_STATE = ALL_PMS.where(pms.c.state == sa.bindparam("state"))


class PmRepo:
    def __init__(self, store):
        self.store = store
        self._get = store.prepare(GET_PM)
        self._brief = store.prepare(PM_BRIEF)
        self._ids = store.prepare(PMIDS)
        self._all = store.prepare(ALL_PMS)
        self._in_state = store.prepare(PMS_IN_STATE)

    def sync(self, entries, make_row):
        """Register pm_file ENTRIES, keeping the pmid of every host already known.

        New hosts get the next pmids in file order; a known host takes its settings
        (and libvirt URI) as the host settings say now. All or nothing. Returns (all
        pm rows, pmids that are new).
        """
        added = []
        with self.store.write() as conn:
            known = _identities(conn)
            for entry in entries:
                row = make_row(entry)
                mine = host_identity(row["address"], row["port"], row.get("resolved", []))
                if mine & set(known):
                    pmid = known[next(iter(mine & set(known)))][0]
                    conn.execute(pms.update().where(pms.c.id == pmid).values(
                        settings=row["settings"], libvirt_uri=row["libvirt_uri"]))
                    continue
                pmid = conn.execute(pms.insert().values(**row)).inserted_primary_key[0]
                known.update(dict.fromkeys(mine, (pmid, row["address"])))
                added.append(pmid)
        return self.list(), added

    def add(self, row):
        """A new PM for ROW; Conflict when the host (by its resolved addresses and port) is known."""
        with self.store.write() as conn:
            known = _identities(conn)
            for key in host_identity(row["address"], row["port"], row.get("resolved", [])):
                if key in known:
                    pmid, address = known[key]
                    raise Conflict(f"address: host {row['address']}:{row['port']} is already "
                                   f"pm {pmid} ({address}:{row['port']})")
            return conn.execute(pms.insert().values(**row)).inserted_primary_key[0]

    def list(self, state=None):
        rows = self._in_state.mappings({"state": state}) if state else self._all.mappings()
        return [Pm.from_row(row) for row in rows]

    def ids(self):
        return self._ids.column()

    def brief(self, pmid):
        """PMID's capacity, use and VM count (a PmBrief)."""
        rows = self._brief.rows({"pmid": pmid})
        if not rows:
            raise NotFound(f"no pm {pmid}")
        return PmBrief(*rows[0])

    def get(self, pmid, conn=None):
        """PMID's row; inside a transaction when CONN is given (claims read their own writes)."""
        if conn is None:
            return Pm.from_row(self._get.one({"pmid": pmid}, f"no pm {pmid}"))
        row = conn.execute(GET_PM, {"pmid": pmid}).first()
        if row is None:
            raise NotFound(f"no pm {pmid}")
        return Pm.from_row(row._mapping)

    def record_discovery(self, pmid, *, state, reason="", capacity=None, domain_type=None,
                         facts=None):
        values = {"state": state, "reason": reason, "discovered_at": clock.now()}
        if capacity:
            values.update(cpu=capacity["cpu"], ram_mb=capacity["ram_mb"],
                          disk_gb=capacity["disk_gb"])
        if domain_type:
            values["domain_type"] = domain_type
        if facts is not None:
            values["facts"] = facts
        with self.store.write() as conn:
            conn.execute(pms.update().where(pms.c.id == pmid).values(**values))

    def set_state(self, pmid, state, reason=""):
        with self.store.write() as conn:
            conn.execute(pms.update().where(pms.c.id == pmid).values(
                state=state, reason=reason, down_since=down_since(state)))

    def set_maintenance(self, pmid, on):
        """PMID takes no new VMs (ON) or takes them again."""
        with self.store.write() as conn:
            if conn.execute(pms.update().where(pms.c.id == pmid)
                            .values(maintenance=bool(on))).rowcount != 1:
                raise NotFound(f"no pm {pmid}")

    def set_fence(self, pmid, fence):
        """PMID's last fence ({state, at, detail})."""
        with self.store.write() as conn:
            if conn.execute(pms.update().where(pms.c.id == pmid)
                            .values(fence=dict(fence))).rowcount != 1:
                raise NotFound(f"no pm {pmid}")

    def remove(self, pmid):
        """Forget PMID, which must hold nothing: Conflict naming what it still holds."""
        from service.store.schema import host_images, vms, volumes

        with self.store.write() as conn:
            self.get(pmid, conn)
            held = conn.execute(sa.select(vms.c.id).where(
                sa.or_(vms.c.pmid == pmid, vms.c.target_pmid == pmid))).scalars().all()
            disks = conn.execute(sa.select(volumes.c.id).where(
                sa.or_(volumes.c.pmid == pmid, volumes.c.pending_pmid == pmid),
                volumes.c.state != "deleted")).scalars().all()
            if held or disks:
                what = ([f"vms {', '.join(map(str, held))}"] if held else []) + (
                    [f"volumes {', '.join(map(str, disks))}"] if disks else [])
                raise Conflict(f"pm {pmid} still holds {' and '.join(what)}; drain it first "
                               f"(vmfabric pm drain {pmid})")
            conn.execute(host_images.delete().where(host_images.c.pmid == pmid))
            conn.execute(pms.delete().where(pms.c.id == pmid))


def down_since(state):
    """The down_since a change to STATE leaves: kept while down, now when it goes down."""
    if state != "down":
        return None
    return sa.case((pms.c.state == "down", sa.func.coalesce(pms.c.down_since, clock.now())),
                   else_=clock.now())


def _identities(conn):
    """{(address, port): (pmid, address as written)} of every known PM."""
    known = {}
    for row in conn.execute(sa.select(pms.c.id, pms.c.address, pms.c.port, pms.c.resolved)):
        for key in host_identity(row.address, row.port, row.resolved or []):
            known[key] = (row.id, row.address)
    return known


def host_identity(address, port, resolved):
    """What two hosts share when they are one: each resolved address with the port, or the
    spelling when nothing resolved (``localhost:2222`` and ``127.0.0.1:2222`` are one sshd)."""
    return {(ip, port) for ip in resolved} or {(address.lower(), port)}
