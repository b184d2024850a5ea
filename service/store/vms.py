"""VMs and their claims on PMs.

A claim is the VM row's (pmid, cpu, ram_mb, disk_gb) plus the same amounts in
the PM's used_* counters. Both change in one transaction, through a guarded
UPDATE that only matches while the PM is up and has room: if another request
(thread or process) took the room first, zero rows match and ClaimLost is
raised, so capacity is never overcommitted.
"""

import time

import sqlalchemy as sa

from service.errors import NotFound, VmfabricError
from service.store.schema import pms, vms

RESOURCES = (("cpu", "used_cpu"), ("ram_mb", "used_ram_mb"), ("disk_gb", "used_disk_gb"))
# hot reads are built once: SQLAlchemy then reuses their compiled form and cache key
GET_VM = sa.select(vms).where(vms.c.id == sa.bindparam("vmid"))
VMIDS_ON = (sa.select(vms.c.id).where(vms.c.pmid == sa.bindparam("pmid"), vms.c.state != "failed")
            .order_by(vms.c.id))


class ClaimLost(VmfabricError):
    """The chosen PM no longer has room (or is no longer up)."""


def _claim(conn, pmid, demand):
    guard = [pms.c.id == pmid, pms.c.state == "up"]
    values = {"vm_count": pms.c.vm_count + 1}
    for cap, used in RESOURCES:
        guard.append(pms.c[used] + demand[cap] <= pms.c[cap])
        values[used] = pms.c[used] + demand[cap]
    if conn.execute(pms.update().where(*guard).values(**values)).rowcount != 1:
        raise ClaimLost(f"pm {pmid} has no room for {demand}")


def _unclaim(conn, vm):
    if vm["pmid"] is None:
        return
    values = {"vm_count": pms.c.vm_count - 1}
    for cap, used in RESOURCES:
        values[used] = pms.c[used] - vm[cap]
    conn.execute(pms.update().where(pms.c.id == vm["pmid"]).values(**values))


class VmRepo:
    def __init__(self, store):
        self.store = store

    def create_with_claims(self, requests, kv_updates=None):
        """Record VMs and claim their PMs in one transaction; all or nothing.

        REQUESTS: dicts with name, tid, image_id, pmid, cpu, ram_mb, disk_gb.
        Returns the new vmids in order; raises ClaimLost if any claim fails.
        """
        now = time.time()
        vmids = []
        with self.store.write() as conn:
            for req in requests:
                _claim(conn, req["pmid"], req)
                row = dict(req, state="creating", domain_name="", error="",
                           created_at=now, updated_at=now)
                vmid = conn.execute(vms.insert().values(**row)).inserted_primary_key[0]
                conn.execute(vms.update().where(vms.c.id == vmid)
                             .values(domain_name=f"vmf-{vmid}"))
                vmids.append(vmid)
            for key, value in (kv_updates or {}).items():
                self.store.set_kv(key, value, conn=conn)
        return vmids

    def move_claim(self, vmid, new_pmid, kv_updates=None):
        """Release VMID's claim and claim NEW_PMID instead, atomically."""
        with self.store.write() as conn:
            for key, value in (kv_updates or {}).items():
                self.store.set_kv(key, value, conn=conn)
            vm = self._get(conn, vmid)
            _unclaim(conn, vm)
            _claim(conn, new_pmid, vm)
            conn.execute(vms.update().where(vms.c.id == vmid)
                         .values(pmid=new_pmid, state="creating", error="",
                                 updated_at=time.time()))

    def fail(self, vmid, error):
        """Mark VMID failed and give its claim back."""
        with self.store.write() as conn:
            vm = self._get(conn, vmid)
            _unclaim(conn, vm)
            conn.execute(vms.update().where(vms.c.id == vmid)
                         .values(pmid=None, state="failed", error=error[:4000],
                                 updated_at=time.time()))

    def delete(self, vmid):
        """Remove VMID and give its claim back (destroy's last step)."""
        with self.store.write() as conn:
            vm = self._get(conn, vmid)
            _unclaim(conn, vm)
            conn.execute(vms.delete().where(vms.c.id == vmid))

    def set_state(self, vmid, state, error=""):
        with self.store.write() as conn:
            done = conn.execute(vms.update().where(vms.c.id == vmid)
                                .values(state=state, error=error, updated_at=time.time()))
            if done.rowcount != 1:
                raise NotFound(f"no vm {vmid}")

    def get(self, vmid):
        with self.store.read() as conn:
            return self._get(conn, vmid)

    @staticmethod
    def _get(conn, vmid):
        row = conn.execute(GET_VM, {"vmid": vmid}).first()
        if row is None:
            raise NotFound(f"no vm {vmid}")
        return dict(row._mapping)

    def list(self, pmid=None, state=None, name=None, limit=None, offset=0):
        query = sa.select(vms).order_by(vms.c.id)
        if pmid is not None:
            query = query.where(vms.c.pmid == pmid)
        if state is not None:
            query = query.where(vms.c.state == state)
        if name is not None:
            query = query.where(vms.c.name == name)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        with self.store.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def ids_on(self, pmid):
        with self.store.read() as conn:
            return [r[0] for r in conn.execute(VMIDS_ON, {"pmid": pmid})]
