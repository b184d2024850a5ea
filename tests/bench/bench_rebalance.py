"""Benchmark: consolidation plans for a large fleet spread thin.

VMS VMs of the default flavor mix are placed on HOSTS hosts by worst_fit (the most
spread-out placement), then the consolidate goal plans. Reported: the time to plan,
hosts in use before and after against the resource-wise lower bound, migrations per
freed host, and (a reference in the same run) how many hosts best_fit would use for
the same VMs placed from nothing. Plus the balance goal's plan time on the same fleet.

    .venv/bin/python -m tests.bench.bench_rebalance --hosts 1000 --vms 10000 --runs 3
"""

import argparse
import random
import statistics

import numpy as np

from service.placement.engine import Placer
from service.placement.hosts import HostTable
from service.resources import Resources
from service.simulate.workload import FLAVORS
from service.rebalance import make_plan
from service.rebalance.model import Fleet, Vm

HOST = (64, 262144, 2000)


def placed(policy, hosts, needs):
    """(HostTable, rows) of NEEDS placed in order by POLICY."""
    table, placer, state, rows = HostTable.uniform(hosts, HOST), Placer(policy), {}, []
    for need in needs:
        best = placer.rank(table, Resources(*need), state, 1)
        if not len(best) or not table.claim(int(best[0]), need):
            raise RuntimeError(f"{policy}: no room for {need}")
        placer.placed(table, int(best[0]), state)
        rows.append(int(best[0]))
    return table, rows


def fleet(table, rows, needs):
    vms = [Vm(id=i + 1, host=row, need=np.asarray(need, dtype=np.int64), group=0)
           for i, (row, need) in enumerate(zip(rows, needs))]
    return Fleet(pmids=table.ids, cap=table.cap, used=table.cap - table.free,
                 open_=np.ones(len(table), dtype=bool), groups=np.zeros(len(table), dtype=int),
                 vms=vms)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--vms", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times, balance_times, ratios, per_freed, after, before, bound, packed = ([] for _ in range(8))
    for run in range(args.runs):
        rng = random.Random(run)
        needs = [tuple(f[:3]) for f in rng.choices(FLAVORS, [f[3] for f in FLAVORS], k=args.vms)]
        table, rows = placed("worst_fit", args.hosts, needs)
        plan = make_plan(fleet(table, rows, needs), "consolidate")
        times.append(plan["planned_in_s"])
        before.append(plan["before"]["hosts_in_use"])
        after.append(plan["after"]["hosts_in_use"])
        bound.append(plan["after"]["lower_bound"])
        ratios.append(plan["after"]["hosts_in_use"] / plan["after"]["lower_bound"])
        freed = plan["before"]["hosts_in_use"] - plan["after"]["hosts_in_use"]
        per_freed.append(len(plan["moves"]) / freed if freed else float("nan"))
        best, best_rows = placed("best_fit", args.hosts, needs)
        packed.append(len(set(best_rows)))
        balance = make_plan(fleet(table, rows, needs), "balance",
                            {"threshold": {"cpu": 0.5, "ram_mb": 0.5}})
        balance_times.append(balance["planned_in_s"])

    def show(what, values, fmt="{:.3f}"):
        print(f"{what}: median {fmt.format(statistics.median(values))} (range "
              f"{fmt.format(min(values))} - {fmt.format(max(values))}, {len(values)} runs)")
    print(f"{args.hosts} hosts of {HOST}, {args.vms} VMs of the default mix, placed by worst_fit")
    show("consolidate plan time, s", times)
    show("hosts in use before", before, "{:.0f}")
    show("hosts in use after", after, "{:.0f}")
    show("resource-wise lower bound", bound, "{:.0f}")
    show("after / lower bound", ratios)
    show("migrations per freed host", per_freed, "{:.2f}")
    show("reference: best_fit placing the same VMs from nothing, hosts", packed, "{:.0f}")
    show("balance plan time (threshold 0.5), s", balance_times)


if __name__ == "__main__":
    main()
