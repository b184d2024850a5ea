"""Block storage (seed 001's "raw virtual hard disk of any desired size").

A volume is a sparse raw disk in a host's image pool. Hosts do not share
storage, so a volume is made where it is used: it is created on no host, made
on the host of the first VM it is attached to, and an available volume
attached to a VM on another host is copied there first (libvirt storage
streams; the destination's disk claimed before the copy, the source's given
back after). Attach hot-plugs it as a virtio disk and keeps it in the
domain's definition; detach removes it from both. Every step that fails is
undone, so a volume is available or attached, never in between.
"""

import logging

from service import faults, naming, templates
from service.errors import Conflict, NoCapacity, NotFound, ValidationError, VmfabricError
from service.resources import GIB

log = logging.getLogger("vmfabric.volumes")
MAX_NAME = 255
TARGETS = [f"vd{letter}" for letter in "bcdefghijklmnopqrstuvwxyz"]
ATTACHABLE_VM_STATES = ("running", "paused", "shutoff")


def brought_here(volume, pm):
    """True when an attach of VOLUME to a VM on PM had to bring its disk there."""
    return volume.pmid != pm.id


def check(name, size_gb, largest_host_gb):
    """NAME and SIZE_GB of a new volume; ValidationError naming the field."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME \
            or templates.FORBIDDEN.search(name):
        raise ValidationError(f"name: printable text of 1 to {MAX_NAME} characters", field="name")
    if isinstance(size_gb, bool) or not isinstance(size_gb, int) or size_gb < 1:
        raise ValidationError(f"size: a whole number of GB, at least 1, not {size_gb!r}",
                              field="size")
    if size_gb > largest_host_gb:  # well formed, but the fleet has no room for it: 409
        raise NoCapacity(f"size: {size_gb} GB is more than any host holds "
                         f"({largest_host_gb} GB)")
    return name, size_gb


class Volumes:
    def __init__(self, store, hypervisors, process, quotas, detach_timeout=30):
        self.detach_timeout = detach_timeout
        self.store = store
        self.hv = hypervisors
        self.process = process
        self.quotas = quotas

    def create(self, name, size_gb, user_id=None):
        largest = max([pm.disk_gb for pm in self.store.pms.list(state="up")] or [0])
        check(name, size_gb, largest)
        volume_id = self.store.volumes.create(name, size_gb, user_id, self.quotas.guard_volume)
        return self.store.volumes.get(volume_id)

    def attach(self, volume_id, vmid):
        """Hot-plug the volume into VMID (kept in its definition too), bringing its disk to
        the VM's host first. All or nothing: on any failure the volume is available where
        it was, and a disk made or copied for this attach is removed with its claim."""
        vm = self.store.vms.get(vmid)
        if self.store.snapshots.of_vm(vmid):
            raise Conflict(f"vm {vmid} has snapshots, which a raw volume cannot be part of; "
                           f"delete them first")
        if vm.state not in ATTACHABLE_VM_STATES or vm.pmid is None:
            raise Conflict(f"vm {vmid} is {vm.state}; a volume attaches to a VM that is "
                           f"{', '.join(ATTACHABLE_VM_STATES)}")
        volume = self.store.volumes.begin(volume_id, "attaching", self.process.id, {"available"})
        pm = self.store.pms.get(vm.pmid)
        try:
            brought = self._bring(volume, pm)
            faults.point("volume.attach.after_disk")
            target = self._free_target(pm, vm, volume_id)
            self.hv.devices.attach(pm, vm.domain, self._disk_xml(volume_id, target))
        except BaseException as exc:
            if brought_here(volume, pm):
                self._remove_quietly(pm, naming.volume(volume_id))
                self.store.volumes.unclaim_pending(volume_id)
            self.store.volumes.settle(volume_id, "available", error=str(exc)[:500]
                                      if isinstance(exc, VmfabricError) else "")
            raise
        if brought:
            self.store.volumes.placed(volume_id)  # the new host holds it; the old one's claim goes
            if volume.pmid is not None:
                self._remove_quietly(self.store.pms.get(volume.pmid), naming.volume(volume_id))
        self.store.volumes.settle(volume_id, "attached", vmid=vmid, target=target)
        return self.store.volumes.get(volume_id)

    def _bring(self, volume, pm):
        """Make VOLUME's disk on PM (or copy it there from its host), its size claimed there
        first; True if it did, False if the disk is on PM already."""
        if volume.pmid == pm.id:
            return False
        self.store.volumes.claim_on(volume.id, pm.id)
        name = naming.volume(volume.id)
        if volume.pmid is None:
            self.hv.storage.create_volume(pm, name, volume.size_gb * GIB)
        else:
            source = self.store.pms.get(volume.pmid)
            log.info("volume %s: copying %s GB from %s to %s", volume.id, volume.size_gb,
                     source.label, pm.label)
            self.hv.storage.copy_volume(source, pm, name)
        return True

    def _free_target(self, pm, vm, volume_id):
        """A virtio disk name VM has free (not in its definition, and not reserved by another
        attach under way), reserved for VOLUME_ID: two attaches to one VM at once get two."""
        in_domain = set(self.hv.devices.disks(pm, vm.domain, live=False))
        target = self.store.volumes.reserve_target(volume_id, vm.id,
                                                   [t for t in TARGETS if t not in in_domain])
        if target is None:
            raise Conflict(f"{vm.domain} has no free virtio disk name (vdb - vdz are taken)")
        return target

    def _disk_xml(self, volume_id, target):
        return templates.render_disk(pool=self.hv.storage.pool_name,
                                     volume=naming.volume(volume_id), target=target,
                                     serial=f"vmf-vol-{volume_id}")

    def detach(self, volume_id):
        """Unplug the volume from its VM: the running domain first (its guest must let go),
        then its definition, then the store, so the three agree at every step. A guest that
        has not let go within compute.detach_timeout keeps the volume attached (Conflict);
        if it lets go later, the sync finishes the detach (sync/volumes.py)."""
        attached = self.store.volumes.get(volume_id)
        if attached.vmid is not None and self.store.vms.get(attached.vmid).in_transition:
            raise Conflict(f"vm {attached.vmid} is {self.store.vms.get(attached.vmid).state}; "
                           f"detach its volume once that is over")
        volume = self.store.volumes.begin(volume_id, "detaching", self.process.id, {"attached"})
        vm = self.store.vms.get(volume.vmid)
        pm = self.store.pms.get(vm.pmid)
        xml = self._disk_xml(volume_id, volume.target)
        try:
            released = self.hv.devices.unplug(pm, vm.domain, xml, volume.target,
                                              self.detach_timeout)
            if released:
                self.hv.devices.forget(pm, vm.domain, xml, volume.target)
        except BaseException as exc:
            self.store.volumes.settle(volume_id, "attached", vmid=volume.vmid,
                                      target=volume.target, error=str(exc)[:500]
                                      if isinstance(exc, VmfabricError) else "")
            raise
        if not released:
            why = (f"the guest of vm {vm.id} has not let go of {volume.target} within "
                   f"{self.detach_timeout:g} s (still booting, or it does not handle hot-unplug); "
                   f"the volume stays attached, and is detached when the guest lets go")
            self.store.volumes.settle(volume_id, "attached", vmid=volume.vmid,
                                      target=volume.target, error=why)
            raise Conflict(why)
        self.store.volumes.settle(volume_id, "available")
        return self.store.volumes.get(volume_id)

    def destroy(self, volume_id):
        """Delete an available volume's disk and give its claim back (the id stays, deleted)."""
        volume = self.store.volumes.begin(volume_id, "deleting", self.process.id,
                                          {"available", "missing"})
        if volume.pmid is not None:
            try:
                self.hv.storage.delete_volume(self.store.pms.get(volume.pmid),
                                              naming.volume(volume_id))
            except BaseException as exc:
                self.store.volumes.settle(volume_id, volume.state, error=str(exc)[:500]
                                          if isinstance(exc, VmfabricError) else "")
                raise
        self.store.volumes.deleted(volume_id)
        return self.store.volumes.get(volume_id)

    def _remove_quietly(self, pm, name):
        try:
            self.hv.storage.delete_volume(pm, name)
        except VmfabricError as exc:
            log.warning("could not remove %s from %s: %s", name, pm.label, exc)

    def owned(self, volume_id, user):
        """The volume if USER may see it (NotFound, never Forbidden, otherwise)."""
        volume = self.store.volumes.get(volume_id)
        if user is not None and not user.is_admin and volume.user_id != user.id:
            raise NotFound(f"no volume {volume_id}")
        return volume
