"""Benchmark: usage-aware plans at scale, and a day's replay of real use.

1. HOSTS hosts of 8 cores (CPU allocatable 4x, 32 GiB), VMS VMs of 1-4 vCPUs placed by
   best_fit, each with an hour of history (360 ten-second samples, drawn from a
   PlanetLab day so the mix is real): the estimates of every VM, the usage fleet, then
   balance_by_use (the hosts whose use is over target in breach) and consolidate_by_use.
   Reported: each part's time (goal: the plans under 0.5 s at 1,000 hosts / 10,000 VMs).
2. A day of the largest PlanetLab trace (1,516 VMs) replayed by the usage policy, its
   wall time (goal: under 60 s), beside best_fit's replay of the same day.

    .venv/bin/python -m tests.bench.bench_usage --hosts 1000 --vms 10000 --runs 3
"""

import argparse
import glob
import os
import statistics
import time

import numpy as np

from service.rebalance import make_plan
from service.rebalance.model import Fleet, Vm
from service.simulate import usage_policies, usage_replay, usage_trace
from service.usage import breach, demand
from service.usage.fleet import UsageFleet
from service.usage.migration_cost import dirty_guess, seconds

TRACES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "traces", "planetlab")


def fleet_with_history(hosts, vms, percent, rng):
    cores, ram = 8, 32768
    sizes = rng.choice([1, 2, 4], size=vms)
    start = int(rng.integers(0, percent.shape[1] - 12))
    history = percent[rng.integers(0, len(percent), size=vms)][:, start:start + 12]
    window = np.repeat(history, 30, axis=1).astype(np.float64)  # an hour at 10 s
    rows = np.zeros(vms, dtype=np.int64)
    free_cpu, free_ram = np.full(hosts, cores * 4), np.full(hosts, ram)
    for i, size in enumerate(sizes):
        fits = np.flatnonzero((free_cpu >= size) & (free_ram >= size * 1024))
        row = int(fits[np.argmin(free_cpu[fits])]) if len(fits) else int(np.argmax(free_cpu))
        rows[i] = row
        free_cpu[row] -= size
        free_ram[row] -= size * 1024
    return sizes, window, rows, cores, ram


def plan_once(hosts, vms, percent, rng):
    sizes, window, rows, cores, ram = fleet_with_history(hosts, vms, percent, rng)
    timings = {}
    started = time.perf_counter()
    use = demand.estimates(sizes, window, np.full(vms, np.nan), 80)
    timings["estimates"] = time.perf_counter() - started
    started = time.perf_counter()
    need = np.stack([sizes, sizes * 1024, np.full(vms, 20)]).astype(np.int64)
    cap = np.array([[cores * 4] * hosts, [ram] * hosts, [2000] * hosts])
    used = np.zeros((3, hosts), dtype=np.int64)
    for r in range(3):
        np.add.at(used[r], rows, need[r])
    records = [Vm(id=i + 1, host=int(rows[i]), need=need[:, i].copy(), group=0)
               for i in range(vms)]
    base = Fleet(np.arange(1, hosts + 1), cap, used, np.ones(hosts, bool), np.zeros(hosts, int),
                 records)
    host_use = np.bincount(rows, weights=use, minlength=hosts) / cores
    breached = breach.breached(np.repeat(host_use[:, None], 3, axis=1),
                               np.zeros((hosts, 3)), 3, 0.9, 0.05)
    cost = seconds(sizes * 1024, dirty_guess(use))
    fleet = UsageFleet(base, [cores] * hosts, np.zeros(hosts), {i + 1: use[i] for i in range(vms)},
                       cost_of={i + 1: cost[i] for i in range(vms)}, breached=breached)
    timings["usage fleet"] = time.perf_counter() - started
    balance = make_plan(fleet, "balance_by_use", {"target": 0.9})
    timings["balance_by_use plan"] = balance["planned_in_s"]
    consolidate = make_plan(fleet, "consolidate_by_use", {"fill": 0.85})
    timings["consolidate_by_use plan"] = consolidate["planned_in_s"]
    timings["hosts in breach"] = len(breached)
    timings["moves (balance, consolidate)"] = (len(balance["moves"]), len(consolidate["moves"]))
    timings["hosts in use after"] = consolidate["after"]["hosts_in_use"]
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--vms", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--traces", default=TRACES)
    args = parser.parse_args()
    days = sorted(glob.glob(os.path.join(args.traces, "*.csv")))
    largest = max(days, key=os.path.getsize)
    _, percent = usage_trace.read(largest)
    rng = np.random.default_rng(1)
    runs = [plan_once(args.hosts, args.vms, percent, rng) for _ in range(args.runs)]
    print(f"{args.hosts} hosts, {args.vms} VMs with an hour of history each, {args.runs} runs")
    for key in runs[0]:
        values = [run[key] for run in runs]
        if isinstance(values[0], float):
            print(f"{key}, s: median {statistics.median(values):.3f} "
                  f"(range {min(values):.3f} - {max(values):.3f})")
        else:
            print(f"{key}: {values}")
    day = usage_replay.Day.from_trace(percent, (1, 512, 1), (8, 32768, 100))
    for name, policy in (("best_fit", usage_policies.BestFit()),
                         ("usage", usage_policies.Usage())):
        report = usage_replay.run(day, policy, name)
        print(f"a day of {os.path.basename(largest)} ({day.vms} VMs) replayed by {name}: "
              f"{report['wall_s']} s (slowest round {report['step_ms_max']} ms)")


if __name__ == "__main__":
    main()
