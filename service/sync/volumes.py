"""Volumes in the sync: work whose process died, disks removed behind vmfabric's back.

An attach or detach whose process stopped is settled by what the host shows:
a disk the domain holds is attached, any other is available (a disk half-made
or half-copied to a new host is removed there and its claim given back). A
destroy is finished. A volume whose disk has gone from its host's pool is
marked missing; it can still be destroyed.
"""

import logging

from service import naming
from service.errors import NotFound, VmfabricError
from service.hypervisor import Unreachable

log = logging.getLogger("vmfabric.sync")


def recover(ctx, live):
    """Settle every volume left in a transition by a dead process; returns their ids."""
    done = []
    for volume in ctx.store.volumes.orphaned(live):
        try:
            _settle(ctx, volume)
        except Unreachable as exc:
            log.info("sync: volume %s waits for its host: %s", volume.id, exc)
            continue
        except VmfabricError as exc:
            log.warning("sync: could not settle volume %s (%s): %s", volume.id, volume.state, exc)
            continue
        done.append(volume.id)
    return done


def _settle(ctx, volume):
    name = naming.volume(volume.id)
    if volume.state == "deleting":
        if volume.pmid is not None:
            ctx.hypervisors.storage.delete_volume(ctx.store.pms.get(volume.pmid), name)
        ctx.store.volumes.deleted(volume.id)
        return
    if volume.pending_pmid is not None:  # made or being copied to a host: undone there
        ctx.hypervisors.storage.delete_volume(ctx.store.pms.get(volume.pending_pmid), name)
        ctx.store.volumes.unclaim_pending(volume.id)
    holder = _holder(ctx, volume, name)
    if holder is None:
        ctx.store.volumes.settle(volume.id, "available")
    else:
        vm, target = holder
        ctx.store.volumes.settle(volume.id, "attached", vmid=vm.id, target=target)
    log.info("sync: volume %s, left %s by a stopped process: %s", volume.id, volume.state,
             "attached" if holder else "available")


def _holder(ctx, volume, name):
    """(vm, target) whose domain holds the volume's disk, or None."""
    vmid = volume.vmid
    if vmid is None:
        return None
    try:
        vm = ctx.store.vms.get(vmid)
    except NotFound:
        return None
    if vm.pmid is None:
        return None
    disks = ctx.hypervisors.devices.disks(ctx.store.pms.get(vm.pmid), vm.domain, live=False)
    target = next((dev for dev, source in disks.items() if source == name), None)
    return (vm, target) if target else None


def check_host(ctx, pm, pool_volumes):
    """Volumes on PM whose disk POOL_VOLUMES (the names in its pool) no longer has: missing."""
    for volume in ctx.store.volumes.on_host(pm.id):
        if volume.in_transition or volume.state == "missing" or volume.pmid != pm.id:
            continue
        if naming.volume(volume.id) not in pool_volumes:
            log.warning("sync: volume %s: its disk is gone from %s", volume.id, pm.label)
            ctx.store.volumes.settle(volume.id, "missing", vmid=volume.vmid, target=volume.target,
                                     error=f"its disk {naming.volume(volume.id)} is gone from "
                                           f"{pm.label}")
