"""What can be done to VMs; each capability is a module of its own.

``Compute`` is the one way into a VM's life cycle: the API, the dashboard, clusters,
the rebalancer and the sync loop all call it, never its parts. It hands each call to
the module that does it (create, destroy, power, resize, migrate, snapshot, console,
recover, rebuild), and it alone rewrites the guests' known_hosts after a change of
VMs, so no caller has to remember to.
"""

import dataclasses

from service.compute.console import Consoles
from service.compute.create import Creator
from service.compute.destroy import Destroyer
from service.compute.launch import Launcher
from service.compute.migrate import Migrator
from service.compute.power import ALLOWED_FROM, Power  # noqa: F401  (the API's action list)
from service.compute.rebuild import Rebuilder
from service.compute.recover import Recovery
from service.compute.resize import Resizer
from service.compute.restart import Restarter
from service.compute.snapshots import Snapshotter


@dataclasses.dataclass(frozen=True)
class Services:
    """What Compute is built on, made once by the context's builder."""

    store: object
    scheduler: object
    hypervisors: object
    process: object
    guest_access: object
    jobs: object
    allocator: object
    quotas: object
    rules: object
    shutdowns: object
    shared: object  # disks on shared storage (storage/disks.py)


class Compute:
    def __init__(self, config, services):
        s = services
        self.store = s.store
        self._access = s.guest_access
        # guests' known_hosts needs rewriting after a create or destroy only where guests
        # get addresses: with no network configured, there is nothing to write
        self._guests_have_addresses = bool(config["networks"])
        self._launcher = Launcher(s.store, s.hypervisors, s.allocator, s.process, s.shared)
        self._creator = Creator(config, s, self._launcher)
        self._destroyer = Destroyer(s.store, s.hypervisors, s.process, s.shared)
        self._powers = Power(s.store, s.hypervisors, s.shutdowns)
        self._consoles = Consoles(s.store, s.hypervisors)
        self._snapshots = Snapshotter(config, s.store, s.hypervisors)
        self._resizer = Resizer(s.store, s.hypervisors, self._creator, s.quotas, s.shared)
        self._migrator = Migrator(config, s, self._launcher)
        self._restarter = Restarter(s.store, s.scheduler, self._launcher, s.process, s.rules,
                                   s.hypervisors, s.shared)
        self._recovery = Recovery(s.store, s.hypervisors, self._migrator, self._destroyer,
                                  self._launcher, self._restarter)
        self._rebuilder = Rebuilder(s.store, s.scheduler, self._launcher, s.process, s.rules)

    # ---- making and unmaking ------------------------------------------------
    def first_boot(self, ssh_keys=None, user_data=""):
        """What a guest is given at first boot, checked (ValidationError naming the field)."""
        return self._creator.first_boot(ssh_keys, user_data)

    @property
    def default_keys(self):
        """The public keys that log in when a create names none: vmfabric's own."""
        return self._creator.default_keys

    def create(self, name, tid, image_id=None, count=1, placement="pack", boot=None,
               user_id=None, expected_use=None, ha=None):
        return self._refreshing(self._creator.create, name, tid, image_id, count, placement,
                                boot, user_id, expected_use, ha)

    def create_named(self, names, tid, image_id=None, placement="pack", boot=None,
                     cluster_id=None, user_id=None, expected_use=None):
        return self._refreshing(self._creator.create_named, names, tid, image_id, placement,
                                boot, cluster_id, user_id, expected_use)

    def destroy(self, vmid):
        return self._refreshing(self._destroyer.destroy, vmid)

    def rebuild(self, vm, failed_pm, claimed=lambda target: None):
        """VM of a failed host made again elsewhere: restarted from its disks when they are on
        shared storage and the host is fenced (compute/restart.py), else rebuilt from its
        image (compute/rebuild.py)."""
        if vm.storage:
            return self.restart(vm, failed_pm, claimed)
        return self._refreshing(self._rebuilder.rebuild, vm, failed_pm, claimed)

    def restart(self, vm, failed_pm, claimed=lambda target: None):
        """VM of a failed, fenced host started elsewhere from its shared disks."""
        return self._restarter.restart(vm, failed_pm, claimed)

    def recover(self, vm):
        """Take over VM's work, left by a process that died (compute/recover.py)."""
        outcome = self._recovery.recover(vm)
        if outcome != "waiting":
            self._refresh_access()
        return outcome

    # ---- running VMs ------------------------------------------------------------
    def power(self, vmid, action, force=False):
        vm = self._powers.act(vmid, action, force)
        if action == "start":
            self._resizer.started(vmid)  # a resize waiting for this start has taken effect
            vm = dataclasses.replace(self.store.vms.get(vmid), state=vm.state)
        return vm

    def resize(self, vmid, tid=None, cpu=None, ram_mb=None, disk_gb=None, unplug=False):
        self._snapshots.refuse_if_any(vmid, "a resize (a revert would bring the old size back)")
        return self._resizer.resize(vmid, tid, cpu, ram_mb, disk_gb, unplug)

    def migrate(self, vmid, pmid=None, user_id=None):
        """The migration job of VMID (to PMID, or where the placement policy says)."""
        self._snapshots.refuse_if_any(vmid, "a migration (it copies the disk as it is now)")
        return self._migrator.start(vmid, pmid, user_id)

    def migrate_now(self, vmid, pmid, report=lambda progress: None):
        """Migrate VMID to PMID in this thread (a step of a rebalance); its result dict."""
        self._snapshots.refuse_if_any(vmid, "a migration (it copies the disk as it is now)")
        return self._migrator.migrate_now(vmid, pmid, report)

    def take_snapshot(self, vmid, name):
        return self._snapshots.take(vmid, name)

    def revert_to_snapshot(self, vmid, name):
        return self._snapshots.revert(vmid, name)

    def delete_snapshot(self, vmid, name):
        return self._snapshots.delete(vmid, name)

    def console(self, vmid, lines=50):
        return self._consoles.tail(vmid, lines)

    def attach_console(self, vmid):
        return self._consoles.attach(vmid)

    # ---- what is below ---------------------------------------------------------
    def _refreshing(self, call, *args):
        try:
            return call(*args)
        finally:
            self._refresh_access()

    def _refresh_access(self):
        if self._guests_have_addresses:
            self._access.refresh()
