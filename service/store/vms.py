"""VMs and their claims on PMs.

A claim is the VM row's (pmid, cpu, ram_mb, disk_gb) plus the same amounts in
the PM's used_* counters. Both change in one transaction, through a guarded
UPDATE that only matches while the PM is up and has room: if another request
(thread or process) took the room first, zero rows match and ClaimLost is
raised, so capacity is never overcommitted.

A VM in a transitional state (creating, deleting) has an owner: the server
process doing the work. Changing state is a guarded UPDATE too, so two
requests cannot both start destroying one VM.
"""


import typing

import sqlalchemy as sa

from service import clock
from service import naming
from service.errors import Conflict, NotFound, VmfabricError
from service.resources import USED_COLUMNS
from service.store.records import TRANSITIONAL, Vm
from service.store.schema import pms, vms

RESOURCES = tuple(USED_COLUMNS.items())  # (a VM's column, its host's claimed column)
# The statements of every create and destroy are built once: SQLAlchemy then
# reuses their compiled form and cache key instead of rebuilding both per call.
# a VM with the time its host (up) was last looked at, which confirms its state
WITH_HOST_CHECK = vms.outerjoin(pms, sa.and_(pms.c.id == vms.c.pmid, pms.c.state == "up"))
VM_READ = sa.select(vms, pms.c.checked_at.label("host_checked_at")).select_from(WITH_HOST_CHECK)
GET_VM = VM_READ.where(vms.c.id == sa.bindparam("vmid"))
# what the seed API's queries show of a VM, and decide its visibility by: nothing more
BRIEFS = sa.select(vms.c.id, vms.c.name, vms.c.tid, vms.c.pmid, vms.c.state, vms.c.user_id)
BRIEF = BRIEFS.where(vms.c.id == sa.bindparam("vmid"))
VMIDS_ON = (sa.select(vms.c.id).where(vms.c.pmid == sa.bindparam("pmid"), vms.c.state != "failed")
            .order_by(vms.c.id))
INSERT_VM = vms.insert()
# the columns to set are the parameters given besides "by_id"
UPDATE_VM = vms.update().where(vms.c.id == sa.bindparam("by_id"))
DELETE_VM = vms.delete().where(vms.c.id == sa.bindparam("by_id"))
# a change of state that only happens while the VM is still in the state it was read in
TRANSITION = (vms.update().where(vms.c.id == sa.bindparam("by_id"),
                                 vms.c.state == sa.bindparam("from_state"))
              .values(state=sa.bindparam("to_state"), owner=sa.bindparam("to_owner"),
                      updated_at=sa.bindparam("at"), state_at=sa.bindparam("at")))
# the guarded claim: matches only while the PM is up and has room for the demand
CLAIM = (pms.update()
         .where(pms.c.id == sa.bindparam("on_pmid"), pms.c.state == "up",
                pms.c.maintenance == sa.false(),
                *[pms.c[used] + sa.bindparam(f"add_{cap}") <= pms.c[cap] for cap, used in RESOURCES])
         .values(vm_count=pms.c.vm_count + 1,
                 **{used: pms.c[used] + sa.bindparam(f"add_{cap}") for cap, used in RESOURCES}))
UNCLAIM = (pms.update().where(pms.c.id == sa.bindparam("on_pmid"))
           .values(vm_count=pms.c.vm_count - 1,
                   **{used: pms.c[used] - sa.bindparam(f"add_{cap}") for cap, used in RESOURCES}))
class VmBrief(typing.NamedTuple):
    id: int
    name: str
    tid: int
    pmid: int | None
    state: str
    user_id: int | None


class ClaimLost(VmfabricError):
    """The chosen PM no longer has room (or is no longer up)."""


def claim_params(pmid, amounts):
    """The parameters of CLAIM and UNCLAIM for AMOUNTS on PMID."""
    return {"on_pmid": pmid, **{f"add_{cap}": amounts[cap] for cap, _ in RESOURCES}}


def _claim(conn, pmid, amounts):
    if conn.execute(CLAIM, claim_params(pmid, amounts)).rowcount != 1:
        raise ClaimLost(f"pm {pmid} has no room for {amounts}")


def _unclaim(conn, vm):
    if vm.pmid is not None:
        conn.execute(UNCLAIM, claim_params(vm.pmid, {"cpu": vm.cpu, "ram_mb": vm.ram_mb,
                                                      "disk_gb": vm.disk_gb}))


def _update(conn, vmid, **values):
    return conn.execute(UPDATE_VM, {"by_id": vmid, **values})


class VmRepo:
    def __init__(self, store):
        self.store = store
        self._get_vm = store.prepare(GET_VM)
        self._brief = store.prepare(BRIEF)
        self._ids_on = store.prepare(VMIDS_ON)

    def create_with_claims(self, requests, owner=None, kv_updates=None, on_claim=None,
                           guard=None):
        """Record VMs and claim their PMs in one transaction; all or nothing.

        REQUESTS: dicts with name, tid, image_id, pmid, cpu, ram_mb, disk_gb (and
        optionally ssh_keys, host_key, user_data, cluster_id). The VMs are
        'creating', owned by OWNER. GUARD(conn, requests) checks what the batch may not
        exceed (its user's quota) first; ON_CLAIM(conn, vmid, pmid) takes what else a VM
        holds (its address); all in the same transaction. Returns the new vmids in order;
        raises ClaimLost if any claim fails (or a concurrent claim took an address).
        """
        now = clock.now()
        vmids = []
        try:
            with self.store.write() as conn:
                if guard is not None:
                    guard(conn, requests)
                for req in requests:
                    _claim(conn, req["pmid"], req)
                    row = dict(req, state="creating", domain_name="", error="", owner=owner,
                               created_at=now, updated_at=now, state_at=now)
                    vmid = conn.execute(INSERT_VM, row).inserted_primary_key[0]
                    _update(conn, vmid, domain_name=naming.domain(vmid))
                    if on_claim is not None:
                        on_claim(conn, vmid, req["pmid"])
                    vmids.append(vmid)
                for key, value in (kv_updates or {}).items():
                    self.store.set_kv(key, value, conn=conn)
        except sa.exc.IntegrityError as exc:
            raise ClaimLost(f"a concurrent claim took what this one needed: {exc.orig}") from None
        return vmids

    def move_claim(self, vmid, new_pmid, kv_updates=None, on_move=None, also=None):
        """Release VMID's claim and claim NEW_PMID instead, atomically (ON_MOVE as ON_CLAIM);
        ALSO: more columns to set (an owner, a new host key)."""
        try:
            with self.store.write() as conn:
                for key, value in (kv_updates or {}).items():
                    self.store.set_kv(key, value, conn=conn)
                vm = self._get(conn, vmid)
                _unclaim(conn, vm)
                _claim(conn, new_pmid, {"cpu": vm.cpu, "ram_mb": vm.ram_mb, "disk_gb": vm.disk_gb})
                _update(conn, vmid, **{"pmid": new_pmid, "state": "creating", "error": "",
                                       "updated_at": clock.now(), **(also or {})})
                if on_move is not None:
                    on_move(conn, vmid, new_pmid)
        except sa.exc.IntegrityError as exc:
            raise ClaimLost(f"a concurrent claim took what this one needed: {exc.orig}") from None

    def fail(self, vmid, error):
        """Mark VMID failed and give its claim back."""
        now = clock.now()
        with self.store.write() as conn:
            vm = self._get(conn, vmid)
            _unclaim(conn, vm)
            self.store.addresses.release(conn, vmid)
            _update(conn, vmid, pmid=None, state="failed", error=error[:4000], owner=None,
                    updated_at=now, state_at=now)

    def delete(self, vmid):
        """Remove VMID and give its claim back (destroy's last step)."""
        with self.store.write() as conn:
            vm = self._get(conn, vmid)
            _unclaim(conn, vm)
            self.store.addresses.release(conn, vmid)
            self.store.volumes.release_vm(conn, vmid)
            self.store.snapshots.forget_vm(conn, vmid)
            conn.execute(DELETE_VM, {"by_id": vmid})

    def set_storage(self, vmid, name):
        """The shared-storage backend holding VMID's disks (None: its host's pool)."""
        with self.store.write() as conn:
            _update(conn, vmid, storage=name)

    def set_state(self, vmid, state, error="", owner=None):
        """Set VMID's state (confirmed now); OWNER holds it while the state is transitional."""
        now = clock.now()
        with self.store.write() as conn:
            done = _update(conn, vmid, state=state, error=error, updated_at=now, state_at=now,
                           owner=owner if state in TRANSITIONAL else None)
            if done.rowcount != 1:
                raise NotFound(f"no vm {vmid}")

    def begin(self, vmid, state, owner, refuse=TRANSITIONAL):
        """Move VMID into transitional STATE, owned by OWNER, unless it is in a state of REFUSE.

        A guarded UPDATE: of two requests racing to start work on one VM, one
        wins and the other gets Conflict. Returns the VM as it was before.
        """
        with self.store.write() as conn:
            vm = self._get(conn, vmid)
            if vm.state in refuse:
                raise Conflict(f"vm {vmid} is {vm.state}")
            done = conn.execute(TRANSITION, {"by_id": vmid, "from_state": vm.state,
                                             "to_state": state, "to_owner": owner,
                                             "at": clock.now()})
            if done.rowcount != 1:
                raise Conflict(f"vm {vmid} changed state while {state} was starting")
        return vm

    def orphaned_work(self, live_owners):
        """VMs in a transitional state whose owner is not among LIVE_OWNERS."""
        with self.store.read() as conn:
            rows = conn.execute(sa.select(vms).where(vms.c.state.in_(sorted(TRANSITIONAL)))
                                .order_by(vms.c.id))
            return [Vm.from_row(r._mapping) for r in rows if r.owner not in live_owners]

    def get(self, vmid):
        return Vm.from_row(self._get_vm.one({"vmid": vmid}, f"no vm {vmid}"))

    def brief(self, vmid):
        """VMID's id, name, tid, pmid, state and user_id: the seed API's queries need no more."""
        rows = self._brief.rows({"vmid": vmid})
        if not rows:
            raise NotFound(f"no vm {vmid}")
        return VmBrief(*rows[0])

    def briefs(self, user_id=None):
        """Every VM (of USER_ID, when given) as a VmBrief: a fleet-wide read (a scrape, a top)
        that needs no more, without decoding each VM's whole row."""
        query = BRIEFS if user_id is None else BRIEFS.where(vms.c.user_id == user_id)
        with self.store.read() as conn:
            return [VmBrief(*row) for row in conn.execute(query.order_by(vms.c.id))]

    @staticmethod
    def _get(conn, vmid):
        return read_vm(conn, vmid)

    def list(self, pmid=None, state=None, name=None, limit=None, offset=0, user_id=None):
        query = VM_READ.order_by(vms.c.id)
        if user_id is not None:
            query = query.where(vms.c.user_id == user_id)
        if pmid is not None:
            query = query.where(vms.c.pmid == pmid)
        if state is not None:
            query = query.where(vms.c.state == state)
        if name is not None:
            query = query.where(vms.c.name == name)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        with self.store.read() as conn:
            return [Vm.from_row(r._mapping) for r in conn.execute(query)]

    def set_autoscale(self, vmid, policy):
        """VMID's vertical autoscaling POLICY ({} for none)."""
        with self.store.write() as conn:
            self._get(conn, vmid)
            _update(conn, vmid, autoscale=policy, updated_at=clock.now())

    def autoscaled(self):
        """The VMs with an autoscaling policy."""
        return [vm for vm in self.list() if vm.autoscale]

    def set_power_request(self, vmid, request, expect=None):
        """VMID's pending power request (a shutdown with its deadline; {} for none); with
        EXPECT, only if it is still that one (a request made meanwhile is kept)."""
        with self.store.write() as conn:
            if expect is not None and self._get(conn, vmid).power_request != expect:
                return False
            _update(conn, vmid, power_request=request, updated_at=clock.now())
        return True

    def with_power_request(self):
        """VMs with a power request pending."""
        with self.store.read() as conn:
            rows = conn.execute(sa.select(vms).where(
                sa.cast(vms.c.power_request, sa.Text) != "{}").order_by(vms.c.id))
            return [vm for vm in (Vm.from_row(r._mapping) for r in rows) if vm.power_request]

    def in_spread_group(self, group):
        """The VMs of spread group GROUP."""
        with self.store.read() as conn:
            return [Vm.from_row(r._mapping) for r in conn.execute(
                sa.select(vms).where(vms.c.spread_group == group).order_by(vms.c.id))]

    def in_batch(self, batch):
        """The VMs one create request made (a batch), in the order it made them."""
        with self.store.read() as conn:
            return [Vm.from_row(r._mapping) for r in conn.execute(
                sa.select(vms).where(vms.c.batch == batch).order_by(vms.c.id))]

    def ids_on(self, pmid):
        return self._ids_on.column({"pmid": pmid})


def read_vm(conn, vmid):
    """VMID's row, read in the transaction CONN (NotFound if there is none)."""
    row = conn.execute(GET_VM, {"vmid": vmid}).first()
    if row is None:
        raise NotFound(f"no vm {vmid}")
    return Vm.from_row(row._mapping)
