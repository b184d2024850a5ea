"""vmfabric's own policies in a usage replay (usage_replay.py), through the service's plugins.

- ``best_fit``: today's allocation-based packing (placement best_fit, CPU ratio 1), no
  rebalancing.
- ``usage``: what ``rebalance.auto`` runs: placement usage_fit (CPU allocation ratio
  ``cpu_ratio``, RAM at 1), and after every interval the goals balance_by_use then
  consolidate_by_use on a usage fleet made as the service makes it (estimates:
  usage/demand.py; breaches: usage/breach.py; VMs moved within ``residence`` stay).
"""

import numpy as np

from service.placement.engine import Placer
from service.placement.hosts import HostTable
from service.placement.request import UsageRequest
from service.rebalance import make_plan
from service.rebalance.model import Fleet, Vm
from service.resources import Resources
from service.usage import breach, demand
from service.usage.fleet import UsageFleet
from service.usage.migration_cost import dirty_guess, seconds

WINDOW = 12  # an hour of five-minute samples


def place_all(replay, policy, cpu_ratio=1.0, expected=None):
    """Rows for every VM, placed one after another by the placement POLICY on an empty fleet
    whose allocatable CPU is CPU_RATIO times its cores (usage_fit: with EXPECTED cores each)."""
    day = replay.day
    size = (int(day.host_size[0] * cpu_ratio), day.host_size[1], day.host_size[2])
    table = HostTable.uniform(day.hosts, size)
    if expected is not None:
        table.with_use(np.zeros(day.hosts), replay.cores * expected[1])
    placer, state, rows = Placer(policy), {}, np.zeros(day.vms, dtype=np.int64)
    for vm in range(day.vms):
        request = Resources(*day.vm_size) if expected is None else \
            UsageRequest(*day.vm_size, expected[0][vm])
        best = placer.rank(table, request, state, 1)
        if len(best) == 0 or not table.claim(int(best[0]), request.vector):
            raise ValueError(f"{policy}: no room for VM {vm} of {day.vms} on {day.hosts} hosts")
        rows[vm] = int(best[0])
        placer.placed(table, rows[vm], state)
        if expected is not None:
            table.use[rows[vm]] += expected[0][vm]
    return rows


class BestFit:
    def place(self, replay):
        return place_all(replay, "best_fit")

    def step(self, replay, t):
        return []


class Usage:
    # the defaults: tuned on 2011-03-03 and 2011-03-22, reported on all five days (docs/fleet.md)
    def __init__(self, target=0.9, fill=0.85, steal_target=0.05, hold=3, residence=24,
                 max_moves=None, cpu_ratio=16.0, declared=None, place_target=1.0,
                 percentile=80):
        self.percentile = percentile
        self.target, self.fill, self.steal_target = target, fill, steal_target
        self.place_target = place_target
        self.hold, self.residence, self.max_moves = hold, residence, max_moves
        self.cpu_ratio, self.declared = cpu_ratio, declared

    def _declared(self, n):
        return np.full(n, np.nan if self.declared is None else self.declared)

    def place(self, replay):
        day = replay.day
        expected = demand.estimates(np.full(day.vms, day.vm_size[0]), np.empty((day.vms, 0)),
                                    self._declared(day.vms))
        return place_all(replay, "usage_fit", self.cpu_ratio, (expected, self.place_target))

    def step(self, replay, t):
        history = slice(0, t + 1)
        breached = breach.breached(replay.host_use[:, history], replay.host_steal[:, history],
                                   self.hold, self.target, self.steal_target)
        moves = self._plan(replay, t, "balance_by_use", breached,
                           {"target": self.target, "max_moves": self.max_moves})
        for vm, row in moves:  # the relief lands first; consolidation plans after it
            replay.host_of[vm] = row
            replay.moved_at[vm] = t
        packed = self._plan(replay, t, "consolidate_by_use", breached,
                            {"fill": self.fill, "max_moves": self.max_moves})
        return moves + packed

    def _plan(self, replay, t, goal, breached, options):
        fleet = usage_fleet(replay, t, self.cpu_ratio, self.residence, breached,
                            self._declared(replay.day.vms), self.percentile)
        plan = make_plan(fleet, goal, options)
        return [(move["vmid"] - 1, fleet.row_of[move["to"]]) for move in plan["moves"]]


def usage_fleet(replay, t, cpu_ratio, residence, breached, declared, percentile=95):
    """The usage fleet after interval T as the service would build it from telemetry."""
    day = replay.day
    hosts, vms = day.hosts, day.vms
    size = np.array(day.vm_size, dtype=np.int64)
    counts = replay.counts()
    cap = np.repeat(np.array([[int(day.host_size[0] * cpu_ratio)], [day.host_size[1]],
                              [day.host_size[2]]], dtype=np.int64), hosts, axis=1)
    used = size[:, None] * counts[None, :]
    use = demand.estimates(np.full(vms, day.vm_size[0]), replay.vm_window(t, WINDOW), declared,
                           percentile)
    movable = (t - replay.moved_at) >= residence
    pinned = np.bincount(replay.host_of[~movable], minlength=hosts)
    pinned_use = np.bincount(replay.host_of[~movable], weights=use[~movable], minlength=hosts)
    records = [Vm(id=int(vm) + 1, host=int(replay.host_of[vm]), need=size, group=0)
               for vm in np.flatnonzero(movable)]
    base = Fleet(pmids=np.arange(1, hosts + 1), cap=cap, used=used, open_=np.ones(hosts, bool),
                 groups=np.zeros(hosts, dtype=np.int64), vms=records)
    base.pinned = pinned
    cost = seconds(day.vm_size[1], dirty_guess(use))  # the trace has no dirty rates
    return UsageFleet(base, replay.cores, pinned_use,
                      {vm.id: float(use[vm.id - 1]) for vm in records},
                      cost_of={vm.id: float(cost[vm.id - 1]) for vm in records},
                      breached=breached,
                      staying={int(vm) + 1: "moved within its residence"
                               for vm in np.flatnonzero(~movable)})
