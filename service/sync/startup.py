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

log = logging.getLogger("vmfabric.reconcile")


def reconcile(services):
    """Returns a summary dict of what was done."""
    done = work.recover(services)
    with concurrent.futures.ThreadPoolExecutor(16, "vmfabric-reconcile") as pool:
        states = hosts.check_all(services, pool, {})
    done["unreachable"] = sorted(pmid for pmid, state in states.items() if state != "up")
    done["orphans_removed"] = []
    vms = {vm.id: vm for vm in services.store.vms.list()}
    for pm in services.store.pms.list(state="up"):
        try:
            names = set(services.hypervisors.domains.states(pm)) | services.hypervisors.storage.volume_names(pm)
        except VmfabricError as exc:
            log.warning("reconcile: %s: %s", pm.label, exc)
            continue
        kept = {naming.volume(v.id) for v in services.store.volumes.on_host(pm.id)}
        for name in sorted(names):
            if naming.volume_of(name) is not None:
                if name not in kept and _remove(services, pm, name, is_domain=False):
                    done["orphans_removed"].append(f"pm{pm.id}:{name}")
                continue
            vmid = naming.owner_of(name)
            if vmid is None or (vmid in vms and pm.id in (vms[vmid].pmid, vms[vmid].target_pmid)):
                continue
            if _remove(services, pm, name, is_domain=name == naming.domain(vmid)):
                done["orphans_removed"].append(f"pm{pm.id}:{name}")
    for key, items in done.items():
        if items:
            log.info("reconcile: %s: %s", key, items)
    return done


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
