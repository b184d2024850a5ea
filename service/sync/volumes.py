"""Volumes in the sync: work whose process died, disks removed behind vmfabric's back.

An attach or detach whose process stopped is settled by what the host shows:
a disk the running domain holds is attached, any other is available and out of
the definition too (a disk half-made or half-copied to a new host is removed
there and its claim given back). A destroy is finished. A volume whose disk
has gone from its host's pool is marked missing; it can still be destroyed.
An attached volume whose guest let go of its disk after its detach had stopped
waiting is detached on the next look at the host (``released``).
"""

import logging
import os

from service import naming, templates
from service.errors import Conflict, NotFound, VmfabricError
from service.hypervisor import Unreachable

log = logging.getLogger("vmfabric.sync")


def recover(services, live):
    """Settle every volume left in a transition by a dead process; returns their ids."""
    done = []
    for volume in services.store.volumes.orphaned(live):
        try:
            _settle(services, volume)
        except Unreachable as exc:
            log.info("sync: volume %s waits for its host: %s", volume.id, exc)
            continue
        except VmfabricError as exc:
            log.warning("sync: could not settle volume %s (%s): %s", volume.id, volume.state, exc)
            continue
        done.append(volume.id)
    return done


def _settle(services, volume):
    name = naming.volume(volume.id)
    if volume.state == "deleting":
        if volume.pmid is not None:
            services.hypervisors.storage.delete_volume(services.store.pms.get(volume.pmid), name)
        services.store.volumes.deleted(volume.id)
        return
    if volume.pending_pmid is not None:  # made or being copied to a host: undone there
        services.hypervisors.storage.delete_volume(services.store.pms.get(volume.pending_pmid), name)
        services.store.volumes.unclaim_pending(volume.id)
    holder = _holder(services, volume, name)
    if holder is None:
        services.store.volumes.settle(volume.id, "available")
    else:
        vm, target = holder
        services.store.volumes.settle(volume.id, "attached", vmid=vm.id, target=target)
    log.info("sync: volume %s, left %s by a stopped process: %s", volume.id, volume.state,
             "attached" if holder else "available")


def _holder(services, volume, name):
    """(vm, target) whose domain holds the volume's disk, or None (then it is out of the
    domain's definition too)."""
    vmid = volume.vmid
    if vmid is None:
        return None
    try:
        vm = services.store.vms.get(vmid)
    except NotFound:
        return None
    if vm.pmid is None:
        return None
    pm = services.store.pms.get(vm.pmid)
    devices = services.hypervisors.devices
    defined = _target_of(devices.disks(pm, vm.domain, live=False), name)
    running = _target_of(devices.disks(pm, vm.domain, live=True), name)
    if running is None and defined is not None:
        # the guest let go (or the domain does not run): the definition follows it
        devices.forget(pm, vm.domain, _disk_xml(services, volume.id, defined), defined)
        return None
    return (vm, running) if running else None


def _target_of(disks, name):
    """The target of the disk of volume NAME in DISKS {target: source}: a source names the
    pool's volume, or its file (a migrated domain names its disks by file)."""
    return next((dev for dev, source in disks.items()
                 if source == name or os.path.basename(source) == name), None)


def _disk_xml(services, volume_id, target):
    return templates.render_disk(pool=services.hypervisors.storage.pool_name,
                                 volume=naming.volume(volume_id), target=target,
                                 serial=f"vmf-vol-{volume_id}")


def released(services, pm):
    """Attached volumes on PM's running VMs whose guest has let go of the disk (after their
    detach stopped waiting): out of the definition, and available."""
    for volume in services.store.volumes.on_host(pm.id):
        if volume.state != "attached" or volume.vmid is None:
            continue
        try:
            vm = services.store.vms.get(volume.vmid)
        except NotFound:
            continue
        if vm.pmid != pm.id or vm.state != "running":
            continue
        name = naming.volume(volume.id)
        if _target_of(services.hypervisors.devices.disks(pm, vm.domain, live=True), name):
            continue
        try:  # (guarded: a request may have begun work on it meanwhile)
            services.store.volumes.begin(volume.id, "detaching", services.process.id, {"attached"})
        except Conflict:
            continue
        try:
            services.hypervisors.devices.forget(pm, vm.domain,
                                           _disk_xml(services, volume.id, volume.target), volume.target)
        except VmfabricError:
            services.store.volumes.settle(volume.id, "attached", vmid=vm.id, target=volume.target)
            raise
        services.store.volumes.settle(volume.id, "available")
        log.info("sync: volume %s: the guest of vm %s let go of it; detached", volume.id, vm.id)


def check_host(services, pm, pool_volumes):
    """Volumes on PM whose disk POOL_VOLUMES (the names in its pool) no longer has: missing."""
    for volume in services.store.volumes.on_host(pm.id):
        if volume.in_transition or volume.state == "missing" or volume.pmid != pm.id:
            continue
        if naming.volume(volume.id) not in pool_volumes:
            log.warning("sync: volume %s: its disk is gone from %s", volume.id, pm.label)
            services.store.volumes.settle(volume.id, "missing", vmid=volume.vmid, target=volume.target,
                                     error=f"its disk {naming.volume(volume.id)} is gone from "
                                           f"{pm.label}")
