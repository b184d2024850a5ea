"""Start-up reconciliation: the store and the hosts agree before the server takes requests.

One sync pass (orphaned work, every host's domains), then what only a start
may do: remove domains and volumes named like a VM's that no VM owns on that
host, left by a create or destroy the previous server was killed in.
"""

import concurrent.futures
import logging

from service import naming
from service.errors import VmfabricError
from service.sync import hosts, work
from service.sync.loop import PARALLEL

log = logging.getLogger("vmfabric.reconcile")


def reconcile(services):
    """Returns a summary dict of what was done."""
    done = work.recover(services)
    with concurrent.futures.ThreadPoolExecutor(PARALLEL, "vmfabric-reconcile") as pool:
        looks = {}  # (the pass's own looks: their domains need not be read again)
        states = hosts.check_all(services, pool, looks)
        done["unreachable"] = sorted(pmid for pmid, state in states.items() if state != "up")
        done["orphans_removed"] = []
        vms = {vm.id: vm for vm in services.store.vms.list()}
        up = services.store.pms.list(state="up")
        for pm, names in zip(up, pool.map(lambda pm: _names_on(services, pm, looks.get(pm.id)),
                                          up)):
            done["orphans_removed"] += _remove_orphans(services, pm, names, vms)
    for key, items in done.items():
        if items:
            log.info("reconcile: %s: %s", key, items)
    return done


def _names_on(services, pm, look):
    """Every domain and volume name on PM, or None: the domains as the pass's LOOK read them
    (before the VMs were listed, so every domain seen has its row), the pool's volumes as it
    read them when PM holds volumes, the rest asked now (its connection is warm)."""
    seen = look.outcome() if look is not None else None
    domains, volumes = seen if isinstance(seen, tuple) else (None, None)
    try:
        if domains is None:
            domains = services.hypervisors.domains.states(pm)
        if volumes is None:
            volumes = services.hypervisors.storage.volume_names(pm)
        return set(domains) | set(volumes)
    except VmfabricError as exc:
        log.warning("reconcile: %s: %s", pm.label, exc)
        return None


def _remove_orphans(services, pm, names, vms):
    """Remove from PM what is named like a VM's or a volume's that no VM or volume there owns."""
    removed = []
    if names is None:
        return removed
    kept = {naming.volume(v.id) for v in services.store.volumes.on_host(pm.id)}
    for name in sorted(names):
        if naming.volume_of(name) is not None:
            if name not in kept and _remove(services, pm, name, is_domain=False):
                removed.append(f"pm{pm.id}:{name}")
            continue
        vmid = naming.owner_of(name)
        if vmid is None or (vmid in vms and pm.id in (vms[vmid].pmid, vms[vmid].target_pmid)):
            continue
        if _remove(services, pm, name, is_domain=name == naming.domain(vmid)):
            removed.append(f"pm{pm.id}:{name}")
    return removed


def _remove(services, pm, name, is_domain):
    try:
        if is_domain:
            services.hypervisors.domains.remove(pm, name)
        else:
            services.hypervisors.storage.delete_volume(pm, name)
        return True
    except VmfabricError as exc:
        log.warning("reconcile: could not remove %s on %s: %s", name, pm.label, exc)
        return False
