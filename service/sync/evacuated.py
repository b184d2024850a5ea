"""A failed host that answers again, after its VMs were rebuilt elsewhere (pm evacuate) or
restarted elsewhere from their shared disks after it was fenced (fencing/failover.py).

It may still have their old copies, running: stale guests with the addresses
their rebuilt selves now use. vmfabric made the new ones, so it knows these
are stale and removes them (domain, disk, first-boot disk, console), which is
the one case where the sync deletes what it finds rather than report it.
"""

import logging

from service import naming
from service.errors import VmfabricError

log = logging.getLogger("vmfabric.sync")


def clear_stale(services, pm, states):
    """Remove from PM (up again; STATES: its domains) the copies of VMs rebuilt elsewhere."""
    stale = services.rebalancer.stale_copies(pm.id)
    if not stale:
        return []
    removed = []
    for vmid in sorted(stale):
        try:
            vm_now = services.store.vms.get(vmid)
        except VmfabricError:
            vm_now = None
        if vm_now is not None and vm_now.pmid == pm.id:
            continue  # it lives here again (it was not rebuilt, or came back): keep it
        try:
            if naming.domain(vmid) in states:
                services.hypervisors.domains.remove(pm, naming.domain(vmid))
            services.hypervisors.storage.delete_volumes(pm, naming.volumes_of(vmid))
        except VmfabricError as exc:
            log.warning("sync: could not remove the stale copy of vm %s from %s: %s", vmid,
                        pm.label, exc)
            continue
        removed.append(vmid)
    if removed:
        log.warning("sync: %s answers again; removed the stale copies of vms %s, rebuilt or "
                    "restarted elsewhere when it failed", pm.label, ", ".join(map(str, removed)))
        services.rebalancer.forget_stale(pm.id, removed)
    return removed
