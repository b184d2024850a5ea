"""Resizing a VM: vCPUs, memory and disk, by instance type or by explicit sizes.

What the VM asks more of is claimed on its host first (the guarded update,
and its user's quota), or the resize is refused naming what does not fit.
A running guest grows at once within the headroom its domain was defined
with (vCPUs hot-plugged, memory handed back by its balloon); a shrink, or
growth beyond the headroom, is written to its definition and applies at its
next start (the VM shows it as ``pending_resize`` and holds the larger size
until then). A shut-off VM simply has its new size at its next start. Disks
grow at once, never shrink.
"""

import dataclasses
import logging

from service.errors import Conflict, ValidationError, VmfabricError
from service.resources import GIB

log = logging.getLogger("vmfabric.compute")
LIVE = ("running", "paused")
MIN_RAM_MB = 64


@dataclasses.dataclass
class Resizer:
    store: object
    hv: object  # the hypervisors
    creator: object  # (what an instance type asks for)
    quotas: object
    shared: object  # disks on shared storage (storage/disks.py)

    def resize(self, vmid, tid=None, cpu=None, ram_mb=None, disk_gb=None, unplug=False):
        """Resize VMID to instance type TID, or to the sizes given (the others kept). UNPLUG:
        fewer vCPUs are taken from the running guest at once when its hypervisor can (vCPUs
        that were hot-plugged), else at its next start as any shrink."""
        vm = self.store.vms.get(vmid)
        size = self._size_of(vm)
        if tid is not None:
            if (cpu, ram_mb, disk_gb) != (None, None, None):
                raise ValidationError("instance_type: give a type or sizes, not both",
                                      field="instance_type")
            _, _, request = self.creator.request_for(tid, vm.image_id)
            wanted = {"cpu": request.cpu, "ram_mb": request.ram_mb,
                      "disk_gb": max(request.disk_gb, vm.disk_gb)}
        else:
            if (cpu, ram_mb, disk_gb) == (None, None, None):
                raise ValidationError("cpu: give instance_type, or cpu, ram or disk", field="cpu")
            wanted = {"cpu": cpu or size["cpu"], "ram_mb": ram_mb or size["ram_mb"],
                      "disk_gb": disk_gb or vm.disk_gb}
        _check(vm, wanted)
        live = vm.state in LIVE
        now = {  # what the guest can have at once; the rest waits for its next start
            "cpu": not live or size["cpu"] <= wanted["cpu"] <= max(vm.max_cpu, size["cpu"]),
            "ram_mb": not live or size["ram_mb"] <= wanted["ram_mb"] <= max(vm.max_ram_mb,
                                                                            size["ram_mb"])}
        pending = {key: wanted[key] for key, at_once in now.items() if not at_once}
        claim = {key: max(wanted[key], size[key]) if key in pending else wanted[key]
                 for key in ("cpu", "ram_mb")}
        claim["disk_gb"] = wanted["disk_gb"]
        if unplug and live and wanted["cpu"] < size["cpu"] and "cpu" in pending:
            if self._unplugged(vm, wanted["cpu"]):
                pending.pop("cpu")
                claim["cpu"] = wanted["cpu"]
                now["cpu"] = True
        if wanted["disk_gb"] > vm.disk_gb and vm.storage and live:
            raise Conflict(f"vm {vm.id}'s disk is a LUN on shared storage ({vm.storage}), "
                           "grown only while no host has it open: shut the VM down first")
        before = self.store.resizes.change(vmid, claim, pending, tid=tid,
                                           guard=self.quotas.guard_more)
        self._apply(vm, size, wanted, now, before)
        log.info("vm %s resized to %s (%s)", vmid, wanted,
                 f"at its next start: {sorted(pending)}" if pending else "now")
        return self.store.vms.get(vmid)

    def _apply(self, vm, size, wanted, now, before):
        """Make the host match: the disk first (it cannot be undone: a later failure keeps it
        grown and claimed), then vCPUs, then memory; a failure puts back what it can and
        leaves the claim as the host has it."""
        pm = self.store.pms.get(vm.pmid)
        disk_gb = vm.disk_gb
        done = []
        try:
            if wanted["disk_gb"] > vm.disk_gb and vm.storage:
                self.shared.grow(vm, wanted["disk_gb"])
            elif wanted["disk_gb"] > vm.disk_gb:
                self.hv.sizing.grow_disk(pm, vm.domain, "vda", wanted["disk_gb"] * GIB)
                disk_gb = wanted["disk_gb"]
            if wanted["cpu"] != size["cpu"]:
                self.hv.sizing.set_vcpus(pm, vm.domain, wanted["cpu"], live=now["cpu"])
                done.append(lambda: self.hv.sizing.set_vcpus(pm, vm.domain, size["cpu"],
                                                             live=now["cpu"]))
            if wanted["ram_mb"] != size["ram_mb"]:
                self.hv.sizing.set_memory(pm, vm.domain, wanted["ram_mb"], live=now["ram_mb"])
        except VmfabricError:
            for undo in done:
                try:
                    undo()
                except VmfabricError as exc:
                    log.warning("vm %s: could not put its size back: %s", vm.id, exc)
            self.store.resizes.change(vm.id, {"cpu": before.cpu, "ram_mb": before.ram_mb,
                                              "disk_gb": disk_gb}, before.pending, tid=before.tid)
            raise

    def _unplugged(self, vm, count):
        """Whether the running guest let go of its vCPUs beyond COUNT (a hot-unplug)."""
        try:
            self.hv.sizing.unplug_vcpus(self.store.pms.get(vm.pmid), vm.domain, count)
            return True
        except VmfabricError as exc:
            log.info("vm %s: its vCPUs cannot be unplugged live (%s); at its next start", vm.id,
                     exc)
            return False

    def started(self, vmid):
        """VMID started from shut off: a pending resize took effect; the claim follows it."""
        vm = self.store.vms.get(vmid)
        if vm.pending:
            self.store.resizes.change(vmid, {**self._size_of(vm), "disk_gb": vm.disk_gb}, {})

    @staticmethod
    def _size_of(vm):
        """The size the guest has (or will have at its next start)."""
        return {"cpu": vm.pending.get("cpu", vm.cpu), "ram_mb": vm.pending.get("ram_mb", vm.ram_mb)}


def _check(vm, wanted):
    if wanted["disk_gb"] < vm.disk_gb:
        raise ValidationError(f"disk: {wanted['disk_gb']} GB is less than vm {vm.id}'s "
                              f"{vm.disk_gb} GB; disks grow, never shrink", field="disk")
    if wanted["ram_mb"] < MIN_RAM_MB:
        raise ValidationError(f"ram: at least {MIN_RAM_MB} MB, not {wanted['ram_mb']}",
                              field="ram")
    if wanted["cpu"] < 1:
        raise ValidationError(f"cpu: at least 1, not {wanted['cpu']}", field="cpu")

