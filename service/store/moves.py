"""VMs moving between hosts (migration): both hosts hold a claim while the move lasts.

A move begins with the destination's claim, taken with the same guarded UPDATE
as a create's (so a full host refuses before anything moves), for the VM and
for every volume attached to it; the VM is 'migrating', owned by the process
doing it, with ``target_pmid`` naming the destination. It ends one of two
ways, each in one transaction: finished (the source's claims are given back
and the destination becomes the VM's host) or undone (the destination's claims
are given back).
"""


import sqlalchemy as sa

from service import clock
from service.errors import Conflict
from service.store.schema import vms, volumes
from service.store.vms import CLAIM, UNCLAIM, ClaimLost, claim_params, read_vm
from service.store.volumes import CLAIM_DISK, UNCLAIM_DISK

MOVABLE = ("running", "paused", "shutoff")
CARRIED = (sa.select(volumes).where(volumes.c.vmid == sa.bindparam("of_vm"),
                                    volumes.c.state == "attached"))


def _amounts(vm):
    return {"cpu": vm.cpu, "ram_mb": vm.ram_mb, "disk_gb": vm.disk_gb}


class MoveRepo:
    def __init__(self, store):
        self.store = store

    def begin(self, vmid, target_pmid, owner, kv_updates=None):
        """Claim TARGET_PMID for VMID and its attached volumes and mark it migrating, owned
        by OWNER. ClaimLost when the target has no room; Conflict when the VM cannot move now.
        Returns the VM as it was."""
        with self.store.write() as conn:
            vm = read_vm(conn, vmid)
            if vm.state not in MOVABLE or vm.pmid is None:
                raise Conflict(f"vm {vmid} is {vm.state}; a migration needs it "
                               f"{', '.join(MOVABLE)}")
            if vm.pmid == target_pmid:
                raise Conflict(f"vm {vmid} is on pm {target_pmid} already")
            if conn.execute(CLAIM, claim_params(target_pmid, _amounts(vm))).rowcount != 1:
                raise ClaimLost(f"pm {target_pmid} has no room for vm {vmid} ({vm.cpu} CPU, "
                                f"{vm.ram_mb} MB RAM, {vm.disk_gb} GB disk)")
            for volume in conn.execute(CARRIED, {"of_vm": vmid}):
                if conn.execute(CLAIM_DISK, {"on_pmid": target_pmid,
                                             "size": volume.size_gb}).rowcount != 1:
                    raise ClaimLost(f"pm {target_pmid} has no room for volume {volume.id} "
                                    f"({volume.size_gb} GB) attached to vm {vmid}")
                conn.execute(volumes.update().where(volumes.c.id == volume.id)
                             .values(pending_pmid=target_pmid, updated_at=clock.now()))
            now = clock.now()
            done = conn.execute(vms.update().where(vms.c.id == vmid, vms.c.state == vm.state)
                                .values(state="migrating", owner=owner, target_pmid=target_pmid,
                                        error="", updated_at=now, state_at=now))
            if done.rowcount != 1:
                raise Conflict(f"vm {vmid} changed state while its migration was starting")
            for key, value in (kv_updates or {}).items():
                self.store.set_kv(key, value, conn=conn)
        return vm

    def finish(self, vmid, state):
        """The VM runs (or is defined, for a cold move) on its target now: the target is its
        host, the source's claims are given back; the VM is STATE."""
        with self.store.write() as conn:
            vm = _migrating(conn, vmid)
            conn.execute(UNCLAIM, claim_params(vm.pmid, _amounts(vm)))
            for volume in conn.execute(CARRIED, {"of_vm": vmid}):
                if volume.pending_pmid == vm.target_pmid and volume.pmid is not None:
                    conn.execute(UNCLAIM_DISK, {"on_pmid": volume.pmid, "size": volume.size_gb})
                    conn.execute(volumes.update().where(volumes.c.id == volume.id).values(
                        pmid=vm.target_pmid, pending_pmid=None, updated_at=clock.now()))
            self._settle(conn, vm, pmid=vm.target_pmid, state=state)
            conn.execute(vms.update().where(vms.c.id == vmid).values(moved_at=clock.now()))
        return vm

    def undo(self, vmid, state, error=""):
        """The VM stays on its source: the target's claims are given back; the VM is STATE."""
        with self.store.write() as conn:
            vm = _migrating(conn, vmid)
            conn.execute(UNCLAIM, claim_params(vm.target_pmid, _amounts(vm)))
            for volume in conn.execute(CARRIED, {"of_vm": vmid}):
                if volume.pending_pmid == vm.target_pmid:
                    conn.execute(UNCLAIM_DISK, {"on_pmid": volume.pending_pmid,
                                                "size": volume.size_gb})
                    conn.execute(volumes.update().where(volumes.c.id == volume.id)
                                 .values(pending_pmid=None, updated_at=clock.now()))
            self._settle(conn, vm, pmid=vm.pmid, state=state, error=error)
        return vm

    @staticmethod
    def _settle(conn, vm, pmid, state, error=""):
        now = clock.now()
        conn.execute(vms.update().where(vms.c.id == vm.id).values(
            pmid=pmid, target_pmid=None, state=state, owner=None, error=error[:4000],
            updated_at=now, state_at=now))


def _migrating(conn, vmid):
    """VMID, read in CONN; Conflict unless it is migrating (it has a target)."""
    vm = read_vm(conn, vmid)
    if vm.target_pmid is None:
        raise Conflict(f"vm {vmid} is not migrating")
    return vm
