"""Making one VM on one host: its base image (once per host), disk, first-boot disk, domain.

The first-boot (cidata) disk carries the guest's hostname, address, the keys
that log in and the SSH host key vmfabric generated for it; the domain gets a
NIC with vmfabric's MAC on the bridge or libvirt network its host attaches
guests to. A host whose guests are provisioned another way (images without
cloud-init, PXE) sets ``vmfabric_first_boot_disk: false``. On a host of a storage
group (storage/disks.py) both disks are made on the group's shared storage instead,
and ``start_shared`` opens them again on any host of the group. ``cleanup`` removes
all of it again, whatever was made.
"""

import math

import logging

from service import faults, naming, templates
from service.compute.bases import BaseImages
from service.errors import NotFound, VmfabricError
from service.network import cidata, ipam
from service.resources import GIB

log = logging.getLogger("vmfabric.compute")
FIRST_BOOT_SETTING = "vmfabric_first_boot_disk"


class Launcher:
    def __init__(self, store, hypervisors, allocator, process, shared):
        self.store = store
        self.shared = shared
        self.hv = hypervisors
        self.allocator = allocator
        self.bases = BaseImages(store, hypervisors, process)
        self._pool_paths = {}

    def launch(self, vm, pm, image, host_private):
        """Make VM on PM and start it; HOST_PRIVATE is the guest's SSH host key (private half)."""
        with_disk = pm.settings.get(FIRST_BOOT_SETTING, True) is not False
        if self.shared.group_of(pm):
            iso = cidata.iso(self._cidata_files(vm, host_private)) if with_disk else None
            size_gb = max(vm.disk_gb, math.ceil(image["virtual_size"] / GIB))
            self.shared.create(vm, pm, image, size_gb, iso)
            faults.point("create.after_disk")
            self.start_shared(self.store.vms.get(vm.id), pm)
            faults.point("create.after_start")
            return
        capacity = max(vm.disk_gb * GIB, image["virtual_size"])
        self.make_disk(pm, vm.id, image, capacity)
        faults.point("create.after_disk")
        if with_disk:
            self.hv.storage.upload_bytes(pm, naming.cidata(vm.id),
                                         cidata.iso(self._cidata_files(vm, host_private)))
        self.hv.domains.define_and_start(pm, self._domain_xml(
            vm, pm, cidata=naming.cidata(vm.id) if with_disk else None))
        faults.point("create.after_start")

    def start_shared(self, vm, pm):
        """Define and start VM on PM from its disks on shared storage, admitting PM to them
        first: a create's last step, or a restart after the VM's host failed."""
        self.shared.admit(vm, pm)
        disk, first_boot = self.shared.sources(vm)
        with_disk = pm.settings.get(FIRST_BOOT_SETTING, True) is not False
        self.hv.domains.define_and_start(pm, self._domain_xml(
            vm, pm, shared_disk=disk, shared_cidata=first_boot if with_disk else None))

    def _domain_xml(self, vm, pm, **disks):
        return templates.render_domain(
            vmid=vm.id, name=vm.name, tid=vm.tid, image_id=vm.image_id, cpu=vm.cpu,
            ram_mb=vm.ram_mb, max_cpu=vm.max_cpu, max_ram_mb=vm.max_ram_mb,
            domain_type=pm.domain_type, pool=self.hv.storage.pool_name,
            console_log=f"{self.pool_path(pm)}/{naming.console(vm.id)}", nic=self._nic(vm, pm),
            **disks)

    def make_disk(self, pm, vmid, image, capacity):
        """VMID's disk on PM: an overlay of CAPACITY bytes on IMAGE's base, which is copied to
        PM first if it is not there yet (compute/bases.py)."""
        base = self.bases.ensure(pm, image)
        try:
            self.hv.storage.create_overlay_on(pm, naming.disk(vmid), base, image["format"],
                                              capacity)
        except NotFound:  # recorded, but removed from the host behind vmfabric's back
            self.bases.forget(pm, image)
            base = self.bases.ensure(pm, image)
            self.hv.storage.create_overlay_on(pm, naming.disk(vmid), base, image["format"],
                                              capacity)

    def _address(self, vm):
        addresses = self.store.addresses.of_vm(vm.id)
        return addresses[0] if addresses else None

    def _cidata_files(self, vm, host_private):
        """The files of VM's first-boot (cidata) disk."""
        address = self._address(vm)
        return cidata.files(vmid=vm.id, hostname=_hostname(vm), authorized_keys=vm.ssh_keys,
                            host_private=host_private, host_public=vm.host_key,
                            address=address,
                            pool=self.allocator.pools[address.network] if address else None,
                            user_data=vm.user_data)

    def _nic(self, vm, pm):
        """VM's NIC on PM's guest network (None: the host attaches no guests to a network)."""
        address = self._address(vm)
        attached = ipam.attachment(pm.settings, self.allocator.pools)
        if address is None or attached is None:
            return None
        return {"mac": address.mac, "bridge": attached.bridge,
                "libvirt_network": attached.libvirt_network}

    def pool_path(self, pm):
        """The directory of PM's image pool (read once per host)."""
        if pm.id not in self._pool_paths:
            self._pool_paths[pm.id] = self.hv.storage.pool_path_on(pm)
        return self._pool_paths[pm.id]

    def ensure_base(self, pm, image):
        return self.bases.ensure(pm, image)

    def cleanup(self, pm, vmid):
        """Remove whatever a create made on PM; errors here are logged, not raised."""
        for what, call in (("domain", lambda: self.hv.domains.remove(pm, naming.domain(vmid))),
                           ("volumes", lambda: self.hv.storage.delete_volumes(
                               pm, naming.volumes_of(vmid)))):
            try:
                call()
            except VmfabricError as exc:
                log.warning("vm %s: could not remove its %s: %s", vmid, what, exc)
        try:
            name = self.store.vms.get(vmid).storage
        except NotFound:
            return
        if name and self.shared.delete(vmid, name):
            self.store.vms.set_storage(vmid, None)


def _hostname(vm):
    """A hostname from the VM's name: letters, digits and dashes, at most 63; vmf-N otherwise."""
    label = "".join(c if c.isascii() and c.isalnum() else "-" for c in vm.name.lower())
    label = "-".join(part for part in label.split("-") if part)[:63].strip("-")
    return label or naming.domain(vm.id)
