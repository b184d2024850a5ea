"""Which VMs keep their disks on shared storage, and their disks' life there.

A host joins a storage group with its ``vmfabric_storage`` setting: the name of a backend in
the configuration's ``storage`` section. Every VM made on such a host has its disk and its
first-boot disk on that backend, admitted to every host of the group, and keeps them (the
VM's ``storage``) wherever it moves within the group: a migration moves its memory only, and
a restart after its host fails opens the same disks on another host.
"""

import logging

from service import storage
from service.errors import HypervisorError, VmfabricError

log = logging.getLogger("vmfabric.storage")
SETTING = "vmfabric_storage"


class SharedDisks:
    def __init__(self, config, store, ssh_config):
        self.store = store
        self.backends = {name: storage.backend(name, spec, ssh_config)
                         for name, spec in config["storage"].items()}

    @staticmethod
    def group_of(pm):
        """The storage group PM is in (a backend's name), or None: its disks are local."""
        return (pm.settings or {}).get(SETTING) or None

    def backend(self, name):
        if name not in self.backends:
            known = ", ".join(sorted(self.backends)) or "none"
            raise HypervisorError(f"{SETTING}: {name!r} is not a storage backend of the "
                                  f"configuration (known: {known})")
        return self.backends[name]

    def members(self, name):
        """The addresses of the hosts in storage group NAME."""
        return [pm.address for pm in self.store.pms.list() if self.group_of(pm) == name]

    def create(self, vm, pm, image, size_gb, cidata):
        """VM's disks on PM's backend, admitted to every host of its group; the backend's name
        (recorded as the VM's storage before anything is made, so a cleanup finds them)."""
        name = self.group_of(pm)
        backend = self.backend(name)
        self.store.vms.set_storage(vm.id, name)
        backend.create(vm.id, size_gb, image["id"], image["path"], self.members(name),
                       cidata=cidata)
        return name

    def sources(self, vm):
        """(disk, first-boot disk) of VM as libvirt opens them over the network."""
        backend = self.backend(vm.storage)
        return backend.source(vm.id, 1), backend.source(vm.id, 2)

    def admit(self, vm, pm):
        """Let PM open VM's disks (it is in the group; a fence may have cut it since)."""
        self.backend(vm.storage).admit(vm.id, pm.address)

    def cut(self, vms, pm):
        """PM may no longer open the disks of VMS (the second layer of a fence)."""
        by_group = {}
        for vm in vms:
            by_group.setdefault(vm.storage, []).append(vm.id)
        return {name: self.backend(name).cut(pm.address, vmids)
                for name, vmids in by_group.items()}

    def grow(self, vm, size_gb):
        """VM's disk (shut off: no host has it open) to SIZE_GB."""
        self.backend(vm.storage).grow(vm.id, size_gb)

    def delete(self, vmid, name):
        """Remove VMID's disks from backend NAME; errors are logged (a cleanup's step)."""
        try:
            self.backend(name).delete(vmid)
        except VmfabricError as exc:
            log.warning("vm %s: could not remove its disks from storage %s: %s", vmid, name, exc)
            return False
        return True
