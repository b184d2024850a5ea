"""One look at every host: each VM's state as its host reports it, and whether the host answers.

Hosts are asked in parallel, each within ``sync.host_timeout`` seconds. A
host that does not answer is marked down with the reason; one that was down
and answers again is up, without a rediscovery. A VM whose domain is gone
becomes 'missing' (it keeps its claim until it is destroyed); a vmf-* domain
that no VM owns is reported on its host, never removed while the service runs.
"""

import concurrent.futures
import logging

from service import clock
from service import naming
from service.errors import VmfabricError
from service.sync import evacuated, volumes

log = logging.getLogger("vmfabric.sync")


def checkable(pm):
    """Hosts the sync looks at: up, or down with a capacity known from an earlier discovery."""
    return pm.state == "up" or (pm.state == "down" and pm.cpu > 0)


def check_all(services, pool, inflight):
    """Look at every checkable host once; returns {pmid: 'up' | reason it is down}.

    INFLIGHT ({pmid: future}, kept by the caller between passes) stops a host
    that hangs from collecting one stuck call per pass.
    """
    timeout = services.config["sync"]["host_timeout"]
    pms = [pm for pm in services.store.pms.list() if checkable(pm)]
    started = clock.now()
    futures = {}
    for pm in pms:
        if pm.id not in inflight or inflight[pm.id].done():
            inflight[pm.id] = pool.submit(_look, services, pm, timeout)
        futures[pm.id] = inflight[pm.id]
    concurrent.futures.wait(futures.values(), timeout=timeout + 1)
    # VMs are listed after the domains were read: every domain seen already has its row
    vms = {}
    for vm in services.store.vms.list():
        vms[vm.id] = vm
    found = {}
    for pm in pms:
        future = futures[pm.id]
        if not future.done():
            found[pm.id] = _down(services, pm, f"no answer within {timeout:g} s")
            continue
        try:
            states, pool_volumes = future.result()
        except VmfabricError as exc:
            found[pm.id] = _down(services, pm, _cause(pm, exc))
            continue
        found[pm.id] = _up(services, pm, states, vms, started)
        evacuated.clear_stale(services, pm, states)
        if pool_volumes is not None:
            volumes.check_host(services, pm, pool_volumes)
            try:
                volumes.released(services, pm)
            except VmfabricError as exc:
                log.warning("sync: %s: could not look at its guests' disks: %s", pm.label, exc)
    return found


def _look(services, pm, timeout):
    """PM's domain states, and its pool's volume names when volumes are kept there."""
    states = services.hypervisors.domains.states(pm, timeout)
    if not services.store.volumes.on_host(pm.id):
        return states, None
    return states, services.hypervisors.storage.volume_names(pm)


def _cause(pm, exc):
    """The reason without the 'pm N (addr): ' the message starts with."""
    text = str(exc)
    return text[len(pm.label) + 2:] if text.startswith(pm.label + ": ") else text


def _down(services, pm, reason):
    if pm.state == "up":
        log.warning("sync: %s is down: %s", pm.label, reason)
        services.hypervisors.forget(pm)  # a call on its old connection would wait for keepalive
    services.store.pms.record_check(pm.id, state="down", reason=reason)
    _report_failed(services, pm)
    return reason


def _report_failed(services, pm):
    """Once, when PM has been down for longer than sync.host_grace: say so, with its VMs."""
    grace, interval = services.config["sync"]["host_grace"], services.config["sync"]["interval"]
    down_for = clock.now() - pm.down_since if pm.down_since else 0
    if grace < down_for <= grace + interval:
        vmids = services.store.vms.ids_on(pm.id)
        log.warning("sync: %s has been down for %.0f s: it has failed; its VMs (%s) wait for it. "
                    "`vmfabric pm evacuate %s --rebuild` recreates them on other hosts (their "
                    "disks, which were on it, are lost)", pm.label, down_for,
                    ", ".join(map(str, vmids)) or "none", pm.id)


def _up(services, pm, states, vms, observed_at):
    if pm.state == "down":
        log.info("sync: %s answers again; it is up", pm.label)
    observations, unknown = {}, []
    for vm in vms.values():
        if vm.pmid != pm.id or vm.in_transition or vm.state == "failed":
            continue
        domain = naming.domain(vm.id)
        if domain in states:
            observations[vm.id] = (states[domain], "")
        else:
            observations[vm.id] = ("missing", f"domain {domain} is gone from {pm.label}")
    for name in states:
        vmid = naming.owner_of(name)
        if vmid is not None and (vmid not in vms or pm.id not in (vms[vmid].pmid,
                                                                   vms[vmid].target_pmid)):
            unknown.append(name)
    if unknown and sorted(unknown) != sorted(pm.unknown_domains):
        log.warning("sync: %s runs domains no VM owns (left alone): %s", pm.label,
                    ", ".join(sorted(unknown)))
    changed = {vmid: seen for vmid, seen in observations.items() if vms[vmid].state != seen[0]}
    for vmid, (state, _) in changed.items():
        log.info("sync: vm %s on %s: %s -> %s", vmid, pm.label, vms[vmid].state, state)
    services.store.vms.record_observed(pm.id, observations, observed_at)
    services.store.pms.record_check(pm.id, state="up", reason="", unknown_domains=unknown)
    return "up"
