"""A VM rebuilt on another host from its image, keeping its vmid, name and address (its disk
starts afresh): what an evacuation does to each VM of a failed host.

It gets a new SSH host key, since the old one's private half was the dead host's. Its new
host is one of its kind that keeps the rules it was made under (service/placement/rules.py)
and is claimed first, owned by this process, so the sync takes it over if this process
dies.
"""

import dataclasses
import logging

from service.errors import Conflict, NoCapacity, VmfabricError
from service.network import guestkeys
from service.resources import Resources
from service.store.records import TRANSITIONAL

log = logging.getLogger("vmfabric.compute")


@dataclasses.dataclass
class Rebuilder:
    store: object
    scheduler: object
    launcher: object
    process: object
    rules: object

    def rebuild(self, vm, failed_pm, claimed=lambda target: None):
        """VM (of FAILED_PM) made again elsewhere; CLAIMED(target pmid) runs once its new
        host is claimed, before anything is made there. Returns the new pmid."""
        if vm.state in TRANSITIONAL:
            raise Conflict(f"vm {vm.id} is {vm.state}; left to the sync")
        image = self.store.catalog.image(vm.image_id)
        private, public = guestkeys.new_host_key(f"vmfabric-guest {vm.name}")
        try:
            target = self.scheduler.move(
                vm.id, Resources(vm.cpu, vm.ram_mb, vm.disk_gb), self.rules.barred(vm, failed_pm),
                also={"owner": self.process.id, "host_key": public})
        except NoCapacity as exc:
            raise NoCapacity(f"no host of its kind has room for it ({exc})") from None
        claimed(target)
        target_pm = self.store.pms.get(target)
        try:
            self.launcher.launch(self.store.vms.get(vm.id), target_pm, image, private)
        except VmfabricError as exc:
            self.launcher.cleanup(target_pm, vm.id)
            self.store.vms.fail(vm.id, f"rebuilt after {failed_pm.label} failed, but: {exc}")
            raise
        self.store.vms.set_state(vm.id, "running")
        log.info("vm %s rebuilt on %s after %s failed", vm.id, target_pm.label, failed_pm.label)
        return target
