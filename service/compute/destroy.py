"""Destroying VMs: stop, undefine, delete the disk and console, release the claim.

The VM is marked 'deleting' first (a guarded update, so a second request
cannot race the first). If its host cannot be reached the VM stays
'deleting' with no owner: the request is accepted, and the sync loop finishes
the work when the host answers again. Removing what is already gone is not an
error, so a destroy can always be repeated. Disks on shared storage go last, once the
domain that had them open is gone; a storage host that does not answer leaves the VM
'deleting' for the sync to finish, like a host that does not.
"""

import logging

from service import faults, naming
from service.errors import Conflict
from service.hypervisor import Unreachable

log = logging.getLogger("vmfabric.compute")
DONE, PENDING = "destroyed", "pending"


class Destroyer:
    def __init__(self, store, hypervisors, process, shared):
        self.store = store
        self.shared = shared
        self.hv = hypervisors
        self.process = process

    def destroy(self, vmid):
        """DONE when the VM is gone, PENDING when its host must answer first."""
        try:
            vm = self.store.vms.begin(vmid, "deleting", self.process.id,
                                      refuse={"creating", "migrating"})
        except Conflict:
            if self.store.vms.get(vmid).state == "deleting":
                return PENDING  # already on its way
            raise
        faults.point("destroy.after_mark")
        return self.finish(vmid, vm.pmid)

    def finish(self, vmid, pmid):
        """Remove VMID's objects from PMID and forget it; PENDING if the host does not answer."""
        storage = self.store.vms.get(vmid).storage
        if pmid is not None:
            pm = self.store.pms.get(pmid)
            if pm.state == "down":
                return self._wait_for(vmid, pm, pm.reason)
            try:
                self.hv.domains.remove(pm, naming.domain(vmid))
                faults.point("destroy.after_domain")
                self.hv.storage.delete_volumes(pm, naming.volumes_of(vmid))
                faults.point("destroy.after_disks")
            except Unreachable as exc:
                self.store.pms.set_state(pm.id, "down", str(exc))
                return self._wait_for(vmid, pm, str(exc))
        if storage and not self.shared.delete(vmid, storage):
            self.store.vms.set_state(vmid, "deleting", owner=None,
                                     error=f"waiting for storage {storage} to remove its disks")
            return PENDING
        self.store.vms.delete(vmid)
        return DONE

    def _wait_for(self, vmid, pm, reason):
        """Leave VMID 'deleting' with no owner: the sync finishes it when PM answers."""
        log.warning("vm %s: destroy waits for %s: %s", vmid, pm.label, reason)
        self.store.vms.set_state(vmid, "deleting", owner=None,
                                 error=f"waiting for {pm.label} to answer: {reason}")
        return PENDING
