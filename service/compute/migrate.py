"""Migrating a VM to another host: live when it runs (or is paused), cold when it is shut off.

Order of work: everything is checked, then the destination is claimed (the
VM's resources and its attached volumes, the same guarded update as a
create, so a full host is a 409 and nothing starts) and the request answers
with a job. The job makes sure the base image is on the destination, makes
the VM's disks there (an empty overlay on that base, empty volumes; the
first-boot disk and the console log are copied), then lets libvirt migrate
live, copying only the overlay's and the volumes' data; a cold move copies
the disks through storage streams and moves the definition. Only then is the
source's claim released and the destination made the VM's host. A VM whose
disks are on shared storage has none of them made or copied: the destination is
admitted to them, and only its memory (and any local volume) moves.

Hosts do not share storage and there is no second copy to fall back on, so
whatever fails, ``settle`` decides from what the two hosts show: where the
domain is, the VM is. Left on the source, everything made on the destination
is removed and its claim given back; found on the destination (the move got
through though the call failed), the move is finished. The sync does the
same for a migration whose process died.
"""

import logging

from service import faults, naming
from service.errors import Conflict, NoCapacity, NotFound, ValidationError, VmfabricError
from service.hypervisor import Unreachable
from service.resources import GIB, Resources
from service.store.moves import MOVABLE
from service.store.vms import ClaimLost

log = logging.getLogger("vmfabric.compute")
LIVE = ("running", "paused")
MIGRATION_ADDRESS = "vmfabric_migration_address"


class Migrator:
    def __init__(self, config, services, launcher):
        """SERVICES: what Compute is built on (compute/__init__.py)."""
        self.services = services
        self.store = services.store
        self.hv = services.hypervisors
        self.launcher = launcher
        self.timeout = config["compute"]["migration_timeout"]
        self.bandwidth = config["compute"]["migration_bandwidth"]

    def start(self, vmid, pmid=None, user_id=None):
        """Claim a destination for VMID (PMID, or the placement policy's choice) and start
        the migration as a job; returns the job. Conflict, NoCapacity or ValidationError
        (with nothing claimed) when it cannot begin."""
        vm, source, target = self._claim(vmid, pmid)
        try:
            return self.services.jobs.run(
                "migrate", {"vmid": vmid, "from": source.id, "to": target.id},
                lambda report: self._run(vm, source, target, report), user_id=user_id,
                reports=True)
        except BaseException:
            self.store.moves.undo(vmid, vm.state)
            raise

    def migrate_now(self, vmid, pmid, report=lambda progress: None):
        """Migrate VMID to PMID in this thread (a step of a rebalance); its result dict."""
        vm, source, target = self._claim(vmid, pmid)
        return self._run(vm, source, target, report)

    def _claim(self, vmid, pmid):
        """(the VM as it was, its source, its target) once the target is claimed."""
        vm = self.store.vms.get(vmid)
        if vm.state not in MOVABLE or vm.pmid is None:
            raise Conflict(f"vm {vmid} is {vm.state}; a migration needs it {', '.join(MOVABLE)}")
        source = self.store.pms.get(vm.pmid)
        if source.state != "up":
            raise Conflict(f"vm {vmid} is on {source.label}, which is {source.state}: "
                           f"{source.reason}")
        if pmid is not None:
            target = self._target(vm, source, pmid)
            try:
                self.store.moves.begin(vmid, target.id, self.services.process.id)
            except ClaimLost as exc:
                raise NoCapacity(str(exc)) from None
        else:
            others = self.services.rules.barred(vm, source)
            request = Resources(vm.cpu, vm.ram_mb, vm.disk_gb + self._volume_gb(vmid))
            target = self.store.pms.get(self.services.scheduler.choose(
                request, others, lambda chosen, changes: (
                    self.store.moves.begin(vmid, chosen, self.services.process.id, changes), chosen)[1]))
        log.info("vm %s: migrating from %s to %s (%s)", vmid, source.label, target.label,
                 "live" if vm.state in LIVE else "cold")
        return vm, source, target

    def _target(self, vm, source, pmid):
        try:
            target = self.store.pms.get(pmid)
        except NotFound:
            raise ValidationError(f"pmid: no pm {pmid}", field="pmid") from None
        if target.id == source.id:
            raise Conflict(f"vm {vm.id} is on {source.label} already")
        if not target.takes_vms:
            now = "in maintenance" if target.maintenance else target.state
            raise Conflict(f"{target.label} is {now}; a migration needs it up and taking VMs")
        why_not = self.services.rules.why_not(vm, source, target)
        if why_not:
            raise Conflict(f"{target.label} cannot take vm {vm.id}: {why_not}")
        return target

    def _volume_gb(self, vmid):
        return sum(v.size_gb for v in self.store.volumes.attached_to(vmid) if v.state == "attached")

    # ---- the job ---------------------------------------------------------------------
    def _run(self, vm, source, target, report):
        carried = [v for v in self.store.volumes.attached_to(vm.id) if v.state == "attached"]
        try:
            report({"phase": "preparing the destination"})
            if self.launcher.pool_path(target) != self.launcher.pool_path(source):
                raise Conflict(f"{target.label} keeps its image pool in another directory than "
                               f"{source.label}: the VM's console log could not follow it")
            self._prepare(vm, source, target, carried, live=vm.state in LIVE)
            faults.point("migrate.before_move")
            if vm.state in LIVE:
                place = self.launcher.pool_path(target)
                disks = {v.target: f"{place}/{naming.volume(v.id)}" for v in carried}
                if not vm.storage:  # (a disk on shared storage stays where it is)
                    disks["vda"] = f"{place}/{naming.disk(vm.id)}"
                stats = self.hv.migration.live(
                    source, target, vm.domain, disks,
                    target.settings.get(MIGRATION_ADDRESS) or target.address,
                    self.hv.storage.pool_name, self.timeout, self.bandwidth,
                    progress=lambda s: report(dict(s, phase="migrating")))
            else:
                report({"phase": "moving the definition"})
                self.hv.migration.offline(source, target, vm.domain)
                stats = {}
        except VmfabricError as exc:
            log.warning("vm %s: migration to %s failed: %s", vm.id, target.label, exc)
            outcome = self._settle_or_leave(vm.id, str(exc))
            if outcome != "finished":
                raise
            stats = {"note": f"the migration call failed ({exc}), but the VM runs on "
                             f"{target.label}"}
        else:
            self.finish(vm.id, target, source)
        return {"vmid": vm.id, "from": source.id, "to": target.id,
                "mode": "live" if vm.state in LIVE else "cold", **stats}

    def _prepare(self, vm, source, target, carried, live):
        """The VM's disks on TARGET: made empty where a live migration fills them, copied
        for a cold one; the first-boot disk and the console log copied either way. Disks on
        shared storage are only opened to TARGET."""
        image = self.store.catalog.image(vm.image_id)
        if vm.storage:
            self.services.shared.admit(vm, target)
            for volume in carried:
                if live:
                    self.hv.storage.create_volume(target, naming.volume(volume.id),
                                                  volume.size_gb * GIB)
                else:
                    self.hv.storage.copy_volume(source, target, naming.volume(volume.id))
            self._copy_if_there(source, target, naming.console(vm.id))
            return
        if live:
            capacity = self.hv.storage.capacity(source, naming.disk(vm.id))
            self.launcher.make_disk(target, vm.id, image, capacity)
            for volume in carried:
                self.hv.storage.create_volume(target, naming.volume(volume.id),
                                              volume.size_gb * GIB)
        else:
            self.launcher.ensure_base(target, image)
            self.hv.storage.copy_volume(source, target, naming.disk(vm.id), fmt="qcow2")
            for volume in carried:
                self.hv.storage.copy_volume(source, target, naming.volume(volume.id))
        for name in (naming.cidata(vm.id), naming.console(vm.id)):
            self._copy_if_there(source, target, name)

    def _copy_if_there(self, source, target, name):
        try:
            self.hv.storage.copy_volume(source, target, name)
        except NotFound:
            pass  # a VM made without a first-boot disk, or that never wrote a line

    def finish(self, vmid, target, source):
        """The VM is on TARGET: record it, then remove what is left of it on SOURCE."""
        carried = [naming.volume(v.id) for v in self.store.volumes.attached_to(vmid)
                   if v.state == "attached" and v.pending_pmid == target.id]
        state = self.hv.migration.where(target, naming.domain(vmid)) or "missing"
        self.store.moves.finish(vmid, state)
        try:
            self.hv.domains.remove(source, naming.domain(vmid))
            self.hv.storage.delete_volumes(source, naming.volumes_of(vmid) + carried)
        except VmfabricError as exc:
            log.warning("vm %s: left behind on %s after its migration: %s", vmid, source.label,
                        exc)

    def _settle_or_leave(self, vmid, error):
        """settle(), or, when a host does not answer, leave the VM migrating with no owner
        so the sync settles it once both answer."""
        try:
            return self.settle(vmid, error)
        except Unreachable as exc:
            self.store.vms.set_state(vmid, "migrating", owner=None,
                                     error=f"the migration was interrupted; settled when both "
                                           f"hosts answer ({exc})")
            return "waiting"

    def settle(self, vmid, error=""):
        """End an interrupted migration by what the hosts show: 'finished' (the domain is on
        the destination only) or 'undone' (everything made on the destination removed)."""
        vm = self.store.vms.get(vmid)
        source, target = self.store.pms.get(vm.pmid), self.store.pms.get(vm.target_pmid)
        at_source = self.hv.migration.where(source, vm.domain)
        at_target = self.hv.migration.where(target, vm.domain)
        if at_source is None and at_target is not None:
            self.finish(vmid, target, source)
            return "finished"
        carried = [naming.volume(v.id) for v in self.store.volumes.attached_to(vmid)
                   if v.pending_pmid == target.id]
        if at_target is not None:
            self.hv.domains.remove(target, vm.domain)  # the source has it: this is a leftover
        self.hv.storage.delete_volumes(target, naming.volumes_of(vmid) + carried)
        self.store.moves.undo(vmid, at_source or "missing", error=error)
        return "undone"
