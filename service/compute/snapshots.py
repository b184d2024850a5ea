"""Snapshots of a VM: checkpoints of its disk and, when it runs, its memory, to revert to.

They are internal snapshots, kept inside the VM's qcow2 overlay, so what they
mean for the VM's other operations is fixed here: a VM with a volume attached
(a raw disk, which cannot hold them) cannot be snapshotted, and one with
snapshots cannot take a volume, be resized (a revert would bring back the old
size behind its claim's back) or migrate (a live migration copies the disk's
current state only). Delete its snapshots first; each refusal says so.
"""

import logging
import secrets

from service import templates
from service.errors import Conflict, ValidationError, VmfabricError

log = logging.getLogger("vmfabric.compute")
SNAPSHOTTABLE = ("running", "paused", "shutoff")


class Snapshotter:
    def __init__(self, config, store, hypervisors):
        self.store = store
        self.hv = hypervisors
        self.limit = config["compute"]["max_snapshots"]

    def _vm_and_host(self, vmid, doing):
        vm = self.store.vms.get(vmid)
        if vm.state not in SNAPSHOTTABLE or vm.pmid is None:
            raise Conflict(f"vm {vmid} is {vm.state}; {doing} needs it "
                           f"{', '.join(SNAPSHOTTABLE)}")
        return vm, self.store.pms.get(vm.pmid)

    def take(self, vmid, name):
        """A snapshot of VMID called NAME (letters, digits, '.', '_', '-'; at most 64)."""
        if not isinstance(name, str) or not templates.SNAPSHOT_NAME.match(name):
            raise ValidationError(f"name: {str(name)[:80]!r} is not a snapshot name (letters, "
                                  f"digits, '.', '_' and '-', at most 64)", field="name")
        vm, pm = self._vm_and_host(vmid, "a snapshot")
        if vm.storage:
            raise Conflict(f"vm {vmid}'s disk is a raw LUN on shared storage ({vm.storage}), "
                           f"which cannot hold a snapshot")
        if [v for v in self.store.volumes.attached_to(vmid) if v.state != "deleted"]:
            raise Conflict(f"vm {vmid} has a volume attached, and a raw volume cannot hold a "
                           f"snapshot; detach it first")
        if len(self.store.snapshots.of_vm(vmid)) >= self.limit:
            raise Conflict(f"vm {vmid} has {self.limit} snapshots, the most it may keep "
                           f"(compute.max_snapshots); delete one first")
        libvirt_name = f"vmf-snap-{secrets.token_hex(6)}"
        self.hv.snapshots.take(pm, vm.domain, templates.render_snapshot(name=libvirt_name,
                                                                        description=name))
        try:
            return self.store.snapshots.add(vmid, name, libvirt_name, vm.state, self.limit)
        except Conflict:
            self.hv.snapshots.delete(pm, vm.domain, libvirt_name)  # a concurrent one won
            raise

    def revert(self, vmid, name):
        """VMID back to its snapshot NAME (running where it was, if it ran then). Whatever the
        revert did, the store then says what the domain is."""
        snapshot = self.store.snapshots.get(vmid, name)
        vm, pm = self._vm_and_host(vmid, "a revert")
        try:
            self.hv.snapshots.revert(pm, vm.domain, snapshot["libvirt_name"])
        finally:
            self._record_state(vm, pm)
        log.info("vm %s reverted to snapshot %r", vmid, name)
        return self.store.vms.get(vmid)

    def _record_state(self, vm, pm):
        try:
            state = self.hv.domains.state(pm, vm.domain)
        except VmfabricError as exc:
            log.warning("vm %s: after a revert, its state could not be read: %s", vm.id, exc)
            return
        self.store.vms.set_state(vm.id, state)

    def delete(self, vmid, name):
        snapshot = self.store.snapshots.get(vmid, name)
        vm, pm = self._vm_and_host(vmid, "deleting a snapshot")
        self.hv.snapshots.delete(pm, vm.domain, snapshot["libvirt_name"])
        self.store.snapshots.remove(snapshot["id"])

    def refuse_if_any(self, vmid, doing):
        """Conflict when VMID has snapshots and DOING (a migration ...) cannot keep them."""
        count = len(self.store.snapshots.of_vm(vmid))
        if count:
            raise Conflict(f"vm {vmid} has {count} snapshot{'s' if count > 1 else ''}, which "
                           f"{doing} would not keep; delete them first")
