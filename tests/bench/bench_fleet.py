"""Benchmark: the sync pass over a large fleet of libvirt test-driver hosts, each its own node
file with its VMs' domains running, and reads while passes run.

  - a warm pass (connections open) over HOSTS hosts and VMS VMs, with one VM in a hundred
    changed behind vmfabric's back each pass (paused, then running again);
  - a cold pass: every host's first connection made to cost a handshake (0.76 to 1.3 s,
    as qemu+ssh measured) within a host_timeout of 10 s, counting hosts marked down;
  - /vm/query reads/s (wrk) from a server over this store, its sync worker passing every
    second, beside the same server whose sync passes once an hour (taking turns).

    .venv/bin/python -m tests.bench.bench_fleet --hosts 1000 --vms 10000 [--runs 3]
"""

import argparse
import concurrent.futures
import dataclasses
import os
import random
import shutil
import tempfile
import time

import libvirt

from service import config as config_mod
from service import context as context_mod
from service import naming
from service.store.schema import vms
from service.sync import hosts
from service.sync.loop import PARALLEL
from tests.bench.bench_api import wrk
from tests.bench.report import spread
from tests.helpers.servers import ServerProcess, free_port, write_config

NODE = """<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>64</cores><threads>1</threads><mhz>2000</mhz></cpu>
  <memory>268435456</memory>
{domains}
</node>
"""
DOMAIN = ("  <domain type='test'><name>{name}</name><memory>524288</memory>"
          "<os><type>hvm</type></os></domain>")


def build(home, host_count, vm_count):
    """A store of HOST_COUNT test-driver hosts holding VM_COUNT running VMs; the config."""
    cfg = config_mod.load(home=home, overrides={
        "inventory": {"path": os.path.join(home, "hosts.yml")}})
    ctx = context_mod.build(cfg)
    owner = ctx.accounts.seed_account().id  # the seed API's reads are of its VMs
    per_host = [vm_count // host_count + (n < vm_count % host_count) for n in range(host_count)]
    rows, vmid, now = [], 0, time.time()
    for n, count in enumerate(per_host):
        names = [naming.domain(vmid + i + 1) for i in range(count)]
        node = os.path.join(home, f"node{n}.xml")
        with open(node, "w") as fh:
            fh.write(NODE.format(domains="\n".join(DOMAIN.format(name=name) for name in names)))
        pmid = ctx.store.pms.add({"address": f"10.{n // 250}.{n % 250}.1", "port": 22,
                                  "user": "root", "libvirt_uri": f"test://{node}",
                                  "settings": {}, "state": "up", "reason": "",
                                  "domain_type": "qemu"})
        ctx.store.pms.record_discovery(pmid, state="up", capacity={
            "cpu": 64, "ram_mb": 262144, "disk_gb": 2000})
        for i in range(count):
            vmid += 1
            rows.append({"id": vmid, "name": f"v{vmid}", "tid": 1, "image_id": 1, "pmid": pmid,
                         "state": "running", "domain_name": naming.domain(vmid), "cpu": 1,
                         "ram_mb": 512, "disk_gb": 1, "error": "", "created_at": now,
                         "updated_at": now, "state_at": now, "user_id": owner})
    with ctx.store.write() as conn:
        conn.execute(vms.insert(), rows)
    ctx.close()
    return cfg


class ColdHandshake:
    """Hypervisors whose first connection to each host costs 0.76 to 1.3 s, as qemu+ssh's did."""

    def __init__(self, real, seed):
        self.real, self.rng = real, random.Random(seed)
        self.domains, self.storage = real.domains, real.storage

    def connect(self, pm):
        time.sleep(self.rng.uniform(0.76, 1.3))
        self.real.connect(pm)

    def forget(self, pm):
        self.real.forget(pm)


def passes(cfg, runs):
    """(warm pass times, cold pass times, hosts marked down in cold passes)."""
    ctx = context_mod.build(cfg)
    services = ctx.sync_services()
    warm, cold, downs = [], [], []
    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
        hosts.check_all(services, pool, {})  # opens every connection
        ids = [vm.id for vm in ctx.store.vms.list()]
        for run in range(runs):
            changed = random.Random(run // 2).sample(ids, len(ids) // 100)  # paused, then resumed
            action = "pause" if run % 2 == 0 else "resume"
            for vmid in changed:
                pm = ctx.store.pms.get(ctx.store.vms.get(vmid).pmid)
                ctx.hypervisors.domains.power(pm, naming.domain(vmid), action)
            started = time.perf_counter()
            hosts.check_all(services, pool, {})
            warm.append(time.perf_counter() - started)
        for run in range(runs):
            for pm in ctx.store.pms.list():
                ctx.hypervisors.forget(pm)
            slow = dataclasses.replace(services, hypervisors=ColdHandshake(ctx.hypervisors, run))
            started = time.perf_counter()
            found = hosts.check_all(slow, pool, {})
            cold.append(time.perf_counter() - started)
            downs.append(sum(state != "up" for state in found.values()))
    ctx.close()
    return warm, cold, downs


def reads_during_passes(cfg, home, runs):
    """/vm/query reads/s with the sync passing every second, and passing hourly."""
    servers = []
    for name, interval in (("busy", 1), ("quiet", 3600)):
        # a store each: of servers on one store, only one syncs (the lease)
        database = os.path.join(home, f"{name}.db")
        shutil.copyfile(cfg["database"].removeprefix("sqlite:///"), database)
        path = write_config(dict(cfg, server=dict(cfg["server"], front="none"),
                                 sync=dict(cfg["sync"], interval=interval),
                                 database=f"sqlite:///{database}"),
                            os.path.join(home, f"{name}.yml"))
        servers.append(ServerProcess(path, free_port(), os.path.join(home, f"{name}.log"),
                                     workers=None).start(timeout=600))
    try:
        busy, quiet = [], []
        for server in servers:
            wrk(server.url + "/vm/query?vmid=1", seconds=3)
        for _ in range(runs):
            busy.append(wrk(servers[0].url + "/vm/query?vmid=1")[0])
            quiet.append(wrk(servers[1].url + "/vm/query?vmid=1")[0])
        return busy, quiet
    finally:
        for server in servers:
            server.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--vms", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    home = tempfile.mkdtemp(prefix="bench-fleet-")
    try:
        cfg = build(home, args.hosts, args.vms)
        warm, cold, downs = passes(cfg, args.runs)
        print(f"sync pass, warm, {args.hosts} hosts / {args.vms} VMs (1 % changed): "
              f"{spread(warm, 's', '{:.2f}')}")
        print(f"sync pass, cold (a 0.76-1.3 s handshake a host, {PARALLEL} at once): "
              f"{spread(cold, 's', '{:.1f}')}; hosts marked down: {downs} "
              f"(host_timeout {cfg['sync']['host_timeout']:g} s)")
        busy, quiet = reads_during_passes(cfg, home, args.runs)
        print(f"GET /vm/query with the sync passing every second: "
              f"{spread(busy, 'requests/s', '{:,.0f}')}; passing hourly: "
              f"{spread(quiet, 'requests/s', '{:,.0f}')}; busy over quiet, round by round: "
              f"{spread([a / b for a, b in zip(busy, quiet)], 'x', '{:.3f}')}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
