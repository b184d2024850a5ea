"""One replay of a workload: the placement policy decides each arrival on an in-memory fleet
(the HostTable, whose claim() is the in-memory guarded update), departures give the room
back, and with a rebalance goal the goal's plan is applied after every EVERY arrivals (every
VM movable, every host open: the simulator's hosts are alike).

The report holds the placement figures (placed, rejected, hosts in use at the peak beside
the resource-wise lower bound, decision latency) and the fleet over time (hosts in use,
mean, peak and final, sampled; migrations and planning time when rebalancing).
"""

import heapq
import math
import time

import numpy as np

from service.placement.engine import Placer
from service.placement.hosts import HostTable
from service.resources import Resources
from service.rebalance import make_plan
from service.rebalance.model import Fleet, Vm

SAMPLES = 20


class _Replay:
    def __init__(self, policy, hosts, host_size):
        self.table = HostTable.uniform(hosts, host_size)
        self.host_size = host_size
        self.placer, self.state = Placer(policy), {}
        self.where, self.departures = {}, []  # vmid -> (row, vector); heap of (time, vmid)
        self.total = np.zeros(3, dtype=np.int64)
        self.latencies, self.placed, self.rejected = [], 0, 0
        self.used_peak = self.lb_peak = 0

    def depart_until(self, now):
        while self.departures and self.departures[0][0] <= now:
            _, vmid = heapq.heappop(self.departures)
            row, vector = self.where.pop(vmid)
            self.table.release(row, vector)
            self.total -= vector

    def arrive(self, vmid, arrival):
        request = Resources(arrival.cpu, arrival.ram_mb, arrival.disk_gb)
        started = time.perf_counter_ns()
        best = self.placer.rank(self.table, request, self.state, 1)
        ok = len(best) > 0 and self.table.claim(int(best[0]), request.vector)
        if ok:
            self.placer.placed(self.table, int(best[0]), self.state)
        self.latencies.append(time.perf_counter_ns() - started)
        if not ok:
            self.rejected += 1
            return
        self.placed += 1
        self.where[vmid] = (int(best[0]), request.vector)
        heapq.heappush(self.departures, (arrival.time + arrival.lifetime, vmid))
        self.total += request.vector
        self.lb_peak = max(self.lb_peak, max(math.ceil(int(self.total[r]) / self.host_size[r])
                                             for r in range(3)))

    def in_use(self):
        count = len({row for row, _ in self.where.values()})
        self.used_peak = max(self.used_peak, count)
        return count

    def rebalance(self, goal, options):
        """Plan GOAL on the fleet as it is and apply it; the number of VMs moved."""
        vms = [Vm(id=vmid, host=row, need=np.asarray(vector, dtype=np.int64), group=0)
               for vmid, (row, vector) in self.where.items()]
        table = self.table
        fleet = Fleet(pmids=table.ids, cap=table.cap, used=table.cap - table.free,
                      open_=np.ones(len(table), dtype=bool),
                      groups=np.zeros(len(table), dtype=int), vms=vms)
        plan = make_plan(fleet, goal, options)
        for move in plan["moves"]:
            row, vector = self.where[move["vmid"]]
            target = fleet.row_of[move["to"]]
            table.release(row, vector)
            if not table.claim(target, vector):  # the plan checked every step: never happens
                raise AssertionError(f"the {goal} plan overcommits pm {move['to']}")
            self.where[move["vmid"]] = (target, vector)
        return len(plan["moves"])


def run(policy, hosts, host_size, arrivals, goal=None, every=0, options=None):
    """Replay ARRIVALS on HOSTS empty hosts of HOST_SIZE (with GOAL, rebalancing every EVERY
    arrivals); the report dict."""
    replay = _Replay(policy, hosts, host_size)
    in_use, migrations, rounds, plan_s = [], 0, 0, []
    started = time.perf_counter()
    for vmid, arrival in enumerate(arrivals, start=1):
        replay.depart_until(arrival.time)
        replay.arrive(vmid, arrival)
        if goal and every and vmid % every == 0:
            planning = time.perf_counter()
            migrations += replay.rebalance(goal, options or {})
            plan_s.append(time.perf_counter() - planning)
            rounds += 1
        in_use.append(replay.in_use())
    return dict(_placement_report(replay, policy, hosts, host_size, time.perf_counter() - started),
                **_fleet_report(in_use, goal, every, migrations, rounds, plan_s))


def _placement_report(replay, policy, hosts, host_size, elapsed):
    lat = np.asarray(replay.latencies, dtype=np.float64) / 1000.0
    lb = replay.lb_peak
    return {
        "policy": policy, "hosts": hosts,
        "host_size": {"cpu": host_size[0], "ram_mb": host_size[1], "disk_gb": host_size[2]},
        "requests": replay.placed + replay.rejected, "placed": replay.placed,
        "rejected": replay.rejected, "pms_used_peak": replay.used_peak,
        "lower_bound_peak": lb,
        "used_over_lower_bound": round(replay.used_peak / lb, 4) if lb else None,
        "decision_p50_us": round(float(np.percentile(lat, 50)), 1) if len(lat) else 0.0,
        "decision_p99_us": round(float(np.percentile(lat, 99)), 1) if len(lat) else 0.0,
        "decisions_per_s": round(len(lat) / (lat.sum() / 1e6), 1) if len(lat) and lat.sum()
        else 0.0,
        "wall_s": round(elapsed, 2),
    }


def _fleet_report(in_use, goal, every, migrations, rounds, plan_s):
    used = np.asarray(in_use)
    step = max(1, len(used) // SAMPLES)
    return {"goal": goal, "every": every,
            "hosts_in_use_mean": round(float(used.mean()), 1) if len(used) else 0.0,
            "hosts_in_use_peak": int(used.max()) if len(used) else 0,
            "hosts_in_use_final": int(used[-1]) if len(used) else 0,
            "over_time": [int(v) for v in used[step - 1::step]],
            "migrations": migrations, "rebalances": rounds,
            "plan_s_max": round(max(plan_s), 3) if plan_s else 0.0}
