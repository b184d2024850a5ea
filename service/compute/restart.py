"""A VM of a failed host started again on another host from its disks on shared storage,
keeping everything it was: its id, name, address and MAC, its SSH host key (its first-boot
disk is on the shared storage too) and the data on its disk.

Only after its old host is fenced: the old host's power was read back off after it went down
(fencing/hosts.py), so the VM cannot still be running there, and two copies never write one
disk. The old host's access to the VM's disks is cut as well before the new host is claimed,
so a host that comes back cannot open them. The new host is one of the VM's kind (the same
storage group, network and domain type; its spread group kept), claimed first and owned by
this process, so the sync takes the VM over if this process dies.
"""

import dataclasses
import logging

from service.errors import Conflict, NoCapacity, VmfabricError
from service.resources import Resources
from service.store.records import TRANSITIONAL

log = logging.getLogger("vmfabric.compute")
# a restart in flight says so in the VM's error, so a sync that takes it over (its process
# died) finishes the restart rather than undoing a create: the disks are the VM's data
RESTARTING = "restarting from its shared disk after"


def fenced_since_down(pm):
    """Whether PM's power was confirmed off after it last went down."""
    fence = pm.fence or {}
    return (pm.state == "down" and fence.get("state") == "fenced"
            and fence.get("at", 0) >= (pm.down_since or 0))


@dataclasses.dataclass
class Restarter:
    store: object
    scheduler: object
    launcher: object
    process: object
    rules: object
    hv: object  # the hypervisors
    shared: object  # disks on shared storage (storage/disks.py)

    def restart(self, vm, failed_pm, claimed=lambda target: None):
        """VM (of FAILED_PM, fenced) started on another host of its storage group; CLAIMED
        (target pmid) runs once the new host is claimed. Returns the new pmid."""
        if vm.state in TRANSITIONAL:
            raise Conflict(f"vm {vm.id} is {vm.state}; left to the sync")
        if not vm.storage:
            raise Conflict(f"vm {vm.id}'s disk was on {failed_pm.label}: it can only be "
                           "rebuilt from its image, not restarted")
        if not fenced_since_down(failed_pm):
            raise Conflict(f"{failed_pm.label} is not fenced: vm {vm.id} may still run there, "
                           f"so it is not started elsewhere (fence it: vmfabric pm fence "
                           f"{failed_pm.id})")
        self.shared.cut([vm], failed_pm)
        try:
            target = self.scheduler.move(
                vm.id, Resources(vm.cpu, vm.ram_mb, vm.disk_gb), self.rules.barred(vm, failed_pm),
                also={"owner": self.process.id, "error": f"{RESTARTING} {failed_pm.label} failed"})
        except NoCapacity as exc:
            raise NoCapacity(f"no host of its storage group has room for it ({exc})") from None
        claimed(target)
        self._start(self.store.vms.get(vm.id), self.store.pms.get(target))
        log.info("vm %s restarted on %s from its shared disk after %s failed", vm.id, target,
                 failed_pm.label)
        return target

    def resume(self, vm):
        """Finish the restart of VM whose process died (the sync's recovery): 'finished' when
        it runs on its new host, 'waiting' when that host does not answer, else 'failed'."""
        from service.hypervisor import Unreachable

        pm = self.store.pms.get(vm.pmid)
        try:
            if self.hv.domains.state(pm, vm.domain) != "running":
                self._start(vm, pm)
            else:
                self.store.vms.set_state(vm.id, "running")
        except Unreachable:
            return "waiting"
        except VmfabricError:
            return "failed"
        return "finished"

    def _start(self, vm, pm):
        """Start VM on PM from its shared disks; on failure it is 'missing' there, holding
        its claim and disks (never removed: they are its data), with the reason."""
        try:
            self.launcher.start_shared(vm, pm)
        except VmfabricError as exc:
            try:
                self.hv.domains.remove(pm, vm.domain)
            except VmfabricError:
                pass
            self.store.vms.set_state(vm.id, "missing", error=f"{vm.error}, but it did not "
                                     f"start on {pm.label}: {exc}")
            raise
        self.store.vms.set_state(vm.id, "running")
