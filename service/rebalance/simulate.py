"""`vmfabric simulate --rebalance GOAL --every N`: a trace replayed with periodic rebalancing.

The same arrivals and departures go through the placement policy twice: once
as they come, once with the rebalance goal's plan applied after every N
arrivals (every VM movable, every host open: the simulator's hosts are
alike). Reported: hosts in use over time for both, and the migrations spent.
"""

import heapq
import time

import numpy as np

from service.placement.engine import Placer
from service.placement.hosts import HostTable, Request
from service.rebalance import make_plan
from service.rebalance.model import Fleet, Vm

SAMPLES = 20


def run(policy, hosts, host_size, arrivals, goal=None, every=0, options=None):
    """Replay ARRIVALS; with GOAL, rebalance every EVERY arrivals. The report dict."""
    table = HostTable.uniform(hosts, host_size)
    placer, state = Placer(policy), {}
    where, departures = {}, []  # vmid -> (row, vector); heap of (time, vmid)
    in_use, migrations, rounds, plan_s = [], 0, 0, []
    arrivals = list(arrivals)
    for n, arrival in enumerate(arrivals, start=1):
        while departures and departures[0][0] <= arrival.time:
            _, vmid = heapq.heappop(departures)
            row, vector = where.pop(vmid)
            table.release(row, vector)
        request = Request(arrival.cpu, arrival.ram_mb, arrival.disk_gb)
        best = placer.rank(table, request, state, 1)
        if len(best) and table.claim(int(best[0]), request.vector):
            placer.placed(table, int(best[0]), state)
            where[n] = (int(best[0]), request.vector)
            heapq.heappush(departures, (arrival.time + arrival.lifetime, n))
        if goal and every and n % every == 0:
            started = time.perf_counter()
            moved = _rebalance(table, where, goal, options or {})
            plan_s.append(time.perf_counter() - started)
            migrations += moved
            rounds += 1
        in_use.append(len({row for row, _ in where.values()}))
    used = np.asarray(in_use)
    step = max(1, len(used) // SAMPLES)
    return {"policy": policy, "goal": goal, "every": every, "requests": len(arrivals),
            "hosts_in_use_mean": round(float(used.mean()), 1) if len(used) else 0.0,
            "hosts_in_use_peak": int(used.max()) if len(used) else 0,
            "hosts_in_use_final": int(used[-1]) if len(used) else 0,
            "over_time": [int(v) for v in used[step - 1::step]],
            "migrations": migrations, "rebalances": rounds,
            "plan_s_max": round(max(plan_s), 3) if plan_s else 0.0}


def _rebalance(table, where, goal, options):
    """Plan GOAL on the simulator's state and apply it; the number of VMs moved."""
    vmids = list(where)
    vms = [Vm(id=vmid, host=where[vmid][0], need=np.asarray(where[vmid][1], dtype=np.int64),
              group=0) for vmid in vmids]
    fleet = Fleet(pmids=table.ids, cap=table.cap, used=table.cap - table.free,
                  open_=np.ones(len(table), dtype=bool), groups=np.zeros(len(table), dtype=int),
                  vms=vms)
    plan = make_plan(fleet, goal, options)
    for move in plan["moves"]:
        row, vector = where[move["vmid"]]
        target = fleet.row_of[move["to"]]
        table.release(row, vector)
        if not table.claim(target, vector):  # the plan checked every step: never happens
            raise AssertionError(f"the {goal} plan overcommits pm {move['to']}")
        where[move["vmid"]] = (target, vector)
    return len(plan["moves"])
