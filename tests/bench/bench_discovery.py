"""Benchmark: discovery of N lab hosts, cold (empty fact cache) and warm.

    .venv/bin/python -m tests.bench.bench_discovery --hosts 10 30 100 --runs 3
Needs root; brings up its own lab (in its own directory) and takes it down at the end.
"""

import argparse
import os
import shutil
import statistics
import tempfile
import time

from service.fleet import Fleet
from service.store import Store
from tests.bench.report import spread
from tests.helpers.servers import lab_config
from vmfabric_lab.lab import Lab


def measure(lab, hosts, runs):
    cold, warm = [], []
    for _ in range(runs):
        home = tempfile.mkdtemp(prefix="bench-discovery-")
        # the lab's own configuration (its hosts put guests on its network)
        cfg = lab_config(lab, home)
        fleet = Fleet(cfg, Store(cfg["database"]))
        fleet.register_pm_file(lab.state.pm_file)
        start = time.perf_counter()
        pms = fleet.discover()
        cold.append(time.perf_counter() - start)
        assert all(pm.state == "up" for pm in pms), [pm.reason for pm in pms]
        start = time.perf_counter()
        fleet.discover()
        warm.append(time.perf_counter() - start)
        fleet.store.dispose()
        shutil.rmtree(home)
    return cold, warm


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, nargs="+", default=[3, 10])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lab = Lab(os.path.join(tempfile.gettempdir(), "vmfabric-bench-lab"))
    try:
        for n in sorted(args.hosts):
            start = time.perf_counter()
            lab.up(hosts=n)
            print(f"lab up to {n} hosts: {time.perf_counter() - start:.2f} s")
            cold, warm = measure(lab, n, args.runs)
            print(f"discovery of {n} hosts: cold {spread(cold, 's')}, warm {spread(warm, 's')}; "
                  f"per host: cold {statistics.median(cold) / n:.2f} s, "
                  f"warm {statistics.median(warm) / n:.2f} s")
    finally:
        lab.down()


if __name__ == "__main__":
    main()
