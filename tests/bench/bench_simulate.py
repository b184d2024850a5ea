"""Benchmark: placement latency and packing at scale, and the simulator's memory.

    .venv/bin/python -m tests.bench.bench_simulate --hosts 100000 --requests 1000000 --policy best_fit
Prints the simulate report plus the process's peak resident memory.
"""

import argparse
import json
import resource

from service.simulate import replay as simulate, workload


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=100000)
    parser.add_argument("--requests", type=int, default=1000000)
    parser.add_argument("--policy", default="best_fit")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    size = (64, 262144, 2000)
    report = simulate.run(args.policy, args.hosts, size,
                          workload.synthetic(args.requests, args.hosts, size, args.seed))
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
