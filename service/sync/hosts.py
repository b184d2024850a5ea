"""One look at every host: each VM's state as its host reports it, and whether the host answers.

Hosts are asked in parallel, each within its own limits (sync/looks.py). What
answered is recorded as it arrives, in rounds: the VMs of a round's hosts read
at once, and what changed written in one transaction. A host is down only when
its own look failed; one that was down and answers again is up, without a
rediscovery. A VM whose domain is gone becomes 'missing' (it keeps its claim
until it is destroyed); a vmf-* domain that no VM owns is reported on its host,
never removed while the service runs.
"""

import concurrent.futures
import logging

from service import clock
from service import naming
from service.errors import VmfabricError
from service.sync import evacuated, volumes
from service.sync.looks import Look

log = logging.getLogger("vmfabric.sync")
# after a first answer, how long a round waits for more before it is written
ROUND = 0.2


def checkable(pm):
    """Hosts the sync looks at: up, or down with a capacity known from an earlier discovery."""
    return pm.state == "up" or (pm.state == "down" and pm.cpu > 0)


def check_all(services, pool, inflight):
    """Look at every checkable host once; returns {pmid: 'up' | reason it is down}.

    INFLIGHT ({pmid: Look}, kept by the caller between passes) stops a host that
    hangs from collecting one stuck look per pass: this pass waits for the old one.
    """
    timeout = services.config["sync"]["host_timeout"]
    connect_timeout = services.config["libvirt"]["call_timeout"]
    with_volumes = services.store.observations.hosts_with_volumes()
    pending = {}
    for pm in services.store.pms.list():
        if not checkable(pm):
            continue
        look = inflight.get(pm.id)
        if look is None or look.future.done():
            look = inflight[pm.id] = Look.ask(pool, services.hypervisors, pm, timeout,
                                              connect_timeout, pm.id in with_volumes)
        look.pm = pm  # as the store has it now
        pending[look.future] = look
    stale = services.rebalancer.hosts_with_stale_copies() if pending else set()
    found = {}
    while pending:
        done, _ = concurrent.futures.wait(pending, timeout=1.0,
                                          return_when=concurrent.futures.FIRST_COMPLETED)
        if done:
            done |= concurrent.futures.wait(set(pending) - done, timeout=ROUND)[0]
        done |= {future for future, look in pending.items() if look.overdue()}
        if done:
            found.update(_record_round(services, [pending.pop(f) for f in done], stale))
    return found


def _record_round(services, looks, stale):
    """Record what LOOKS found, in one transaction; then each answering host's follow-ups."""
    outcomes = {look.pm.id: look.outcome() for look in looks}
    answered = [look for look in looks if not isinstance(outcomes[look.pm.id], str)]
    # the VMs are read after their hosts' domains were: every domain seen has its row
    held = services.store.observations.vms_on([look.pm.id for look in answered])
    still_up, changed_hosts, changed_vms, found = [], [], {}, {}
    for look in looks:
        pm, outcome = look.pm, outcomes[look.pm.id]
        if isinstance(outcome, str):
            found[pm.id] = _down(services, pm, outcome)
            changed_hosts.append({"pmid": pm.id, "state": "down", "reason": outcome})
            continue
        observed, unknown = _compare(pm, outcome[0], held[pm.id])
        changed_vms.update({(pm.id, vmid): (*seen, look.read_at)
                            for vmid, seen in observed.items()})
        if pm.state == "up" and sorted(unknown) == sorted(pm.unknown_domains):
            still_up.append(pm.id)
        else:
            _up(pm, unknown)
            changed_hosts.append({"pmid": pm.id, "state": "up", "reason": "",
                                  "unknown_domains": unknown})
        found[pm.id] = "up"
    services.store.observations.record(still_up, changed_hosts, changed_vms)
    for look in answered:
        _follow_up(services, look.pm, *outcomes[look.pm.id], look.pm.id in stale)
    return found


def _compare(pm, states, vms):
    """({vmid: (state, reason)} of PM's VMs whose state differs from what STATES says,
    [vmf-* domains in STATES that no VM on or moving to PM owns])."""
    changed, owned = {}, {vm.id for vm in vms}
    for vm in vms:
        if vm.pmid != pm.id or vm.in_transition or vm.state == "failed":
            continue
        if vm.domain in states:
            seen = (states[vm.domain], "")
        else:
            seen = ("missing", f"domain {vm.domain} is gone from {pm.label}")
        if (vm.state, vm.error) != seen:
            log.info("sync: vm %s on %s: %s -> %s", vm.id, pm.label, vm.state, seen[0])
            changed[vm.id] = seen
    unknown = [name for name in states
               if naming.owner_of(name) is not None and naming.owner_of(name) not in owned]
    return changed, unknown


def _up(pm, unknown):
    if pm.state == "down":
        log.info("sync: %s answers again; it is up", pm.label)
    if unknown and sorted(unknown) != sorted(pm.unknown_domains):
        log.warning("sync: %s runs domains no VM owns (left alone): %s", pm.label,
                    ", ".join(sorted(unknown)))


def _follow_up(services, pm, states, pool_volumes, has_stale):
    """What an answering host may need besides its VMs' states: stale copies of VMs rebuilt
    elsewhere removed, its volumes' disks checked, disks its guests let go of released."""
    if has_stale:
        evacuated.clear_stale(services, pm, states)
    if pool_volumes is None:
        return
    volumes.check_host(services, pm, pool_volumes)
    try:
        volumes.released(services, pm)
    except VmfabricError as exc:
        log.warning("sync: %s: could not look at its guests' disks: %s", pm.label, exc)


def _down(services, pm, reason):
    if pm.state == "up":
        log.warning("sync: %s is down: %s", pm.label, reason)
        services.hypervisors.forget(pm)  # a call on its old connection would wait for keepalive
    _report_failed(services, pm)
    try:
        services.failover.consider(pm)
    except VmfabricError as exc:
        log.warning("sync: %s: its failover did not start: %s", pm.label, exc)
    return reason


def _report_failed(services, pm):
    """Once, when PM has been down for longer than sync.host_grace: say so, with its VMs."""
    grace, interval = services.config["sync"]["host_grace"], services.config["sync"]["interval"]
    down_for = clock.now() - pm.down_since if pm.down_since else 0
    if grace < down_for <= grace + interval:
        vmids = services.store.vms.ids_on(pm.id)
        log.warning("sync: %s has been down for %.0f s: it has failed; its VMs (%s) wait for it. "
                    "`vmfabric pm evacuate %s --rebuild` recreates them on other hosts (from "
                    "their disks on shared storage once it is fenced; the others' disks, which "
                    "were on it, are lost)", pm.label, down_for,
                    ", ".join(map(str, vmids)) or "none", pm.id)
