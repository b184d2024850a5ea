"""What can be done to VMs; each capability is a module of its own.

``Compute`` is the one object the API and the sync loop hold: it hands each
request to the module that does it (create, destroy, power, resize, migrate,
console).
"""

import dataclasses

from service.compute.console import Consoles
from service.compute.create import Creator
from service.compute.destroy import Destroyer
from service.compute.launch import Launcher
from service.compute.migrate import Migrator
from service.compute.resize import Resizer
from service.compute.shutdowns import Shutdowns
from service.compute.snapshots import Snapshotter
from service.compute.power import ALLOWED_FROM, Power  # noqa: F401  (the API's action list)
from service.identity.quotas import Quotas
from service.network.ipam import Allocator
from service.placement.rules import MoveRules


class Compute:
    def __init__(self, config, store, scheduler, hypervisors, process, access, jobs):
        self.store = store
        self.access = access
        # guests' known_hosts needs rewriting after a create or destroy only where guests
        # get addresses: with no network configured, there is nothing to write
        self._guests_have_addresses = bool(config["networks"])
        self.launcher = Launcher(store, hypervisors, Allocator(config["networks"], store),
                                 process)
        # where a VM may go once made: the rules every later move keeps
        self.rules = MoveRules(store, self.launcher.allocator.pools)
        self.creator = Creator(config, store, scheduler, self.launcher, process,
                               Quotas(config["identity"]["default_quota"]), self.rules)
        self.destroyer = Destroyer(store, hypervisors, process)
        self.shutdowns = Shutdowns(store, hypervisors, config["compute"]["shutdown_timeout"])
        self.powers = Power(store, hypervisors, self.shutdowns)
        self.consoles = Consoles(store, hypervisors)
        self.snapshots = Snapshotter(config, store, hypervisors)
        self.resizer = Resizer(store, hypervisors, self.creator)
        self.migrator = Migrator(config, store, scheduler, hypervisors, self.launcher, jobs,
                                 process, self.rules)

    def create(self, name, tid, image_id=None, count=1, preference="pack", boot=None,
               user_id=None):
        try:
            return self.creator.create(name, tid, image_id, count, preference, boot, user_id)
        finally:
            self._refresh_access()

    def create_named(self, names, tid, image_id=None, preference="pack", boot=None,
                     cluster_id=None, user_id=None):
        try:
            return self.creator.create_named(names, tid, image_id, preference, boot,
                                             cluster_id, user_id)
        finally:
            self._refresh_access()

    def destroy(self, vmid):
        try:
            return self.destroyer.destroy(vmid)
        finally:
            self._refresh_access()

    def power(self, vmid, action, force=False):
        vm = self.powers.act(vmid, action, force)
        if action == "start":
            self.resizer.started(vmid)  # a resize waiting for this start has taken effect
            vm = dataclasses.replace(self.store.vms.get(vmid), state=vm.state)
        return vm

    def resize(self, vmid, tid=None, cpu=None, ram_mb=None, disk_gb=None):
        self.snapshots.refuse_if_any(vmid, "a resize (a revert would bring the old size back)")
        return self.resizer.resize(vmid, tid, cpu, ram_mb, disk_gb)

    def migrate(self, vmid, pmid=None, user_id=None):
        """The migration job of VMID (to PMID, or where the placement policy says)."""
        self.snapshots.refuse_if_any(vmid, "a migration (it copies the disk as it is now)")
        return self.migrator.start(vmid, pmid, user_id)

    def console(self, vmid, lines=50):
        return self.consoles.tail(vmid, lines)

    def _refresh_access(self):
        if self._guests_have_addresses:
            self.access.refresh()

    def cleanup(self, pm, vmid):
        self.launcher.cleanup(pm, vmid)
