"""Benchmark: the API on PostgreSQL with one and with two servers, beside SQLite, in one run.

Each setup is a store of its own with test-driver hosts (vmfabric's own cost: placement,
claims, the store), served by `vmfabric serve` with its default workers: SQLite and one
server; PostgreSQL (a throwaway cluster, as the tests make) and one server; PostgreSQL and two
servers on it. Measured in turns, RUNS rounds: `GET /vm/query` requests/s (wrk, 8 connections
for 10 s; with two servers, one wrk of 4 connections on each at once, summed) and create+destroy
pairs/s through the seed API (8 clients; with two servers, pairs alternate between them).

    .venv/bin/python -m tests.bench.bench_postgres --runs 3
Needs `wrk` (Debian package wrk).
"""

import argparse
import concurrent.futures
import os
import shutil
import tempfile

import requests

from tests.bench.bench_api import pairs, setup, wrk
from tests.bench.report import spread
from tests.helpers.servers import ServerProcess, free_port, write_config
from tests.helpers.postgres import Postgres


def start(home, database, servers):
    cfg, _ = setup(home, database=database)
    path = write_config(cfg, os.path.join(home, "vmfabric.yml"))
    return [ServerProcess(path, free_port(), os.path.join(home, f"server-{n}.log"),
                          workers=None).start() for n in range(servers)]


def queries(servers, vmid):
    if len(servers) == 1:
        return wrk(f"{servers[0].url}/vm/query?vmid={vmid}")[0]
    with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
        return sum(rate for rate, _ in pool.map(
            lambda s: wrk(f"{s.url}/vm/query?vmid={vmid}", connections=4), servers))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="bench-postgres-")
    os.chmod(root, 0o755)  # the cluster's files below it belong to the postgres user
    cluster = Postgres(root).start()
    setups = {}
    try:
        for label, database, count in (("SQLite, 1 server", None, 1),
                                       ("PostgreSQL, 1 server", cluster.new_database(), 1),
                                       ("PostgreSQL, 2 servers", cluster.new_database(), 2)):
            home = os.path.join(root, label.replace(" ", "").replace(",", "-"))
            os.makedirs(home)
            setups[label] = start(home, database, count)
        vmids = {}
        for label, servers in setups.items():
            vmids[label] = requests.get(f"{servers[0].url}/vm/create?name=q&instance_type=1"
                                        ).json()["vmid"]
            queries(servers, vmids[label])  # warm-up
        rates = {label: {"query": [], "pairs": []} for label in setups}
        for _ in range(args.runs):
            for label, servers in setups.items():
                rates[label]["query"].append(queries(servers, vmids[label]))
                rates[label]["pairs"].append(pairs([s.url for s in servers]))
        for label in setups:
            print(f"{label}: GET /vm/query {spread(rates[label]['query'], 'requests/s', '{:,.0f}')}; "
                  f"create+destroy {spread(rates[label]['pairs'], 'pairs/s', '{:,.1f}')}")
    finally:
        for servers in setups.values():
            for server in servers:
                server.kill()
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
