"""The store's fleet with what its guests use (a usage fleet, service/usage/fleet.py), made
from the last ``usage.window`` of telemetry, for the usage goals and for usage_fit.

Each VM's expected use is its estimate (service/usage/demand.py: its observed percentile,
else what it declared, else all its vCPUs). A VM stays where it is when it was placed or
moved less than ``usage.residence`` ago or its host is in maintenance; the reason goes with it. A
host is in breach when its measured use or steal was over target in every sample of the
last ``usage.hold`` seconds (service/usage/breach.py).
"""

import math

import numpy as np

from service import clock
from service.rebalance.view import fleet_from_store
from service.telemetry import history
from service.usage import breach, demand
from service.usage.fleet import UsageFleet
from service.usage.migration_cost import dirty_guess, seconds

CPU, STEAL = 0, 1  # where the samples keep them (service/telemetry/rates.py FIELDS)


def cores_of(pm):
    """A host's physical CPUs (its facts), not its allocatable CPU (with a ratio)."""
    raw = (pm.facts or {}).get("raw") or {}
    return float(raw.get("cpu") or pm.cpu or 1)


def recent_samples(store, settings, now):
    """Every VM's samples of the last window (the read estimates are made from)."""
    return store.samples.recent("v", now - settings["window"])


def vm_estimates(store, settings, vms, now, windows=None):
    """{vmid: (cores, why)} of VMS from their samples of the last window (WINDOWS, when read
    already)."""
    windows = recent_samples(store, settings, now) if windows is None else windows
    found = {}
    for vm in vms:
        observed = [history.unpack(data)[CPU] for _, data in windows.get(vm.id, ())]
        found[vm.id] = demand.estimate(vm.cpu, observed, vm.expected_use,
                                       settings["percentile"])
    return found


def host_use(store, settings, pms, now, windows=None):
    """{pmid: cores} the guests of each host are expected to use now (their estimates)."""
    vms = [vm for vm in store.vms.list() if vm.pmid is not None and vm.state != "failed"]
    estimates = vm_estimates(store, settings, vms, now, windows)
    use = {pm.id: 0.0 for pm in pms}
    for vm in vms:
        if vm.pmid in use:
            use[vm.pmid] += estimates[vm.id][0]
    return use


def usage_fleet(store, rules, settings, interval, now=None, settling=True):
    """The usage fleet; SETTLING: VMs placed less than the residence ago stay too (for packing;
    relieving a host in breach may move them, never one that was moved)."""
    now = now or clock.now()
    pms = store.pms.list()
    base = fleet_from_store(store, rules)
    by_id = {vm.id: vm for vm in store.vms.list()}
    estimates = vm_estimates(store, settings, by_id.values(), now)
    staying, keep = {}, []
    maintenance = {pm.id for pm in pms if pm.maintenance}
    for vm in base.vms:
        record = by_id[vm.id]
        arrived = record.moved_at or (record.created_at if settling else None)
        if arrived is not None and now - arrived < settings["residence"]:
            staying[vm.id] = (f"{'moved' if record.moved_at else 'placed'} {now - arrived:.0f} s "
                              f"ago; it stays {settings['residence']} s (usage.residence)")
        elif record.pmid in maintenance:
            staying[vm.id] = "its host is in maintenance (pm drain moves it)"
        else:
            keep.append(vm)
            continue
        base.pinned[vm.host] += 1
    base.vms = keep
    pinned_use = np.zeros(len(pms))
    row_of = {pm.id: row for row, pm in enumerate(pms)}
    kept = {vm.id for vm in keep}
    for vm in by_id.values():
        if vm.id not in kept and vm.pmid in row_of and vm.state != "failed":
            pinned_use[row_of[vm.pmid]] += estimates[vm.id][0]
    use_of = {vm.id: estimates[vm.id][0] for vm in keep}
    cost_of = {vm.id: float(seconds(by_id[vm.id].ram_mb, dirty_guess(use_of[vm.id])))
               for vm in keep}
    return UsageFleet(base, [cores_of(pm) for pm in pms], pinned_use, use_of, cost_of=cost_of,
                      breached=_breached(store, settings, pms, interval, now), staying=staying)


def _breached(store, settings, pms, interval, now):
    hold = max(1, math.ceil(settings["hold"] / interval))
    series = store.samples.recent("h", now - settings["hold"] - interval)
    use, steal = np.zeros((len(pms), hold)), np.zeros((len(pms), hold))
    known = np.zeros(len(pms), dtype=bool)
    for row, pm in enumerate(pms):
        samples = [history.unpack(data) for _, data in series.get(pm.id, ())][-hold:]
        if len(samples) == hold and pm.state == "up":
            known[row] = True
            use[row] = [s[CPU] / 100.0 for s in samples]
            steal[row] = [s[STEAL] / 100.0 for s in samples]
    use[~known], steal[~known] = -1.0, -1.0  # too few samples: never a breach
    return breach.breached(use, steal, hold, settings["target"], settings["steal_target"])
