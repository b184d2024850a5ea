"""Benchmark telemetry, each figure beside its floor in the same run:

  - a collection pass over one lab host with GUESTS real guests (store writes included) beside
    the raw getAllDomainStats call for the same groups on the same connection;
  - the server's CPU per VM sample (counters to rates, tiers, packing, the batched write),
    from synthetic stats of HOSTS x PER_HOST guests answered at once;
  - the pass's wall time over 10, 30 and 1,000 test-driver hosts (connections warm);
  - storage: bytes per stored sample and per VM for the whole retention (SQLite);
  - reads from a server: GET /api/v1/vms/{id}/metrics?range=24h (p50 over 200) and /metrics
    for 1,000 VMs, beside GET /api/v1/health of the same server.

    .venv/bin/python -m tests.bench.bench_telemetry [--runs 20] [--no-lab]
"""

import argparse
import concurrent.futures
import os
import shutil
import statistics
import tempfile
import time

import requests

from service import clock
from service import context as context_mod
from service.telemetry import readings
from service.telemetry.collect import Collector
from tests.bench import bench_fleet
from tests.bench.labs import lab_with_server
from tests.bench.report import spread
from tests.helpers.servers import ServerProcess, admin_token, free_port, write_config

SECOND = 10 ** 9
BOOTED = 45  # seconds a TCG lab guest takes to boot and settle


class Domain:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name

    def setMemoryStatsPeriod(self, *_):
        pass


class Synthetic:
    """Hypervisors whose hosts answer at once with libvirt-shaped stats of PER_HOST guests."""

    def __init__(self, per_host):
        self.per_host, self.calls = per_host, 0
        self.connections = self

    def connect(self, pm):
        pass

    def run(self, pm, _what, operation, _timeout):
        return operation(self)

    def getAllDomainStats(self, _groups, _flags):
        self.calls += 1
        used = self.calls * SECOND
        return [(Domain(f"vmf-{n}"), {
            "cpu.time": used, "cpu.user": used, "cpu.system": 0, "vcpu.current": 1,
            "vcpu.maximum": 2, "vcpu.0.time": used, "vcpu.0.delay": used // 10,
            "vcpu.0.state": 1, "vcpu.0.wait": 0, "balloon.current": 524288,
            "balloon.maximum": 1048576, "balloon.available": 500000, "balloon.usable": 400000,
            "balloon.rss": 300000, "balloon.major_fault": 1, "balloon.minor_fault": 2,
            "balloon.unused": 1, "balloon.last-update": int(time.time()), "net.count": 1,
            "net.0.rx.bytes": used, "net.0.tx.bytes": used, "net.0.rx.pkts": 1,
            "block.count": 2, "block.0.rd.bytes": used, "block.0.wr.bytes": used,
            "block.0.rd.reqs": 1, "block.0.wr.reqs": 1, "block.1.rd.bytes": 0,
            "block.1.wr.bytes": 0}) for n in range(1, self.per_host + 1)]

    def getCPUStats(self, _cpus):
        return {"user": self.calls * SECOND, "kernel": 0, "idle": SECOND, "iowait": 0}

    def getMemoryStats(self, _cells):
        return {"total": 8 << 20, "free": 4 << 20, "buffers": 0, "cached": 0}


def cpu_per_sample(home, hosts, per_host, passes=5):
    """Server CPU (µs) per VM sample over PASSES passes of synthetic stats."""
    cfg = bench_fleet.build(home, hosts, hosts * per_host)
    ctx = context_mod.build(cfg)
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        collector = Collector(cfg, ctx.store, Synthetic(per_host), pool)
        now = [clock.now()]
        real_now, clock.now = clock.now, lambda: now[0]
        try:
            collector.collect()  # the first readings
            used, samples = 0.0, 0
            for _ in range(passes):
                now[0] += cfg["telemetry"]["interval"]
                started = time.process_time()
                collector.collect()
                used += time.process_time() - started
                samples += hosts * per_host
        finally:
            clock.now = real_now
    ctx.close()
    return used / samples * 1e6


def pass_times(home, hosts, runs=3):
    """Wall times of warm collection passes over HOSTS test-driver hosts."""
    cfg = bench_fleet.build(home, hosts, hosts * 10)
    ctx = context_mod.build(cfg)
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        collector = Collector(cfg, ctx.store, ctx.hypervisors, pool)
        collector.collect()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            collector.collect()
            times.append(time.perf_counter() - started)
    ctx.close()
    return times


def lab_pass(runs, guests):
    """(raw getAllDomainStats times, collection pass times) on one lab host."""
    with lab_with_server("telemetry", 1, "first_fit") as (_lab, ctx, server):
        made = server.api("POST", "/vms", json={"name": "b", "instance_type": 1,
                                                "count": guests})
        assert made.status_code == 201, made.text
        time.sleep(BOOTED)  # (measured on idle guests, not booting ones)
        pm = ctx.store.pms.list()[0]
        conn = ctx.hypervisors.connections.open(pm)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            collector = Collector(ctx.config, ctx.store, ctx.hypervisors, pool)
            collector.collect()
            raw, ours = [], []
            for _ in range(runs):  # taking turns
                started = time.perf_counter()
                conn.getAllDomainStats(readings.GROUPS, 0)
                conn.getCPUStats(-1)
                conn.getMemoryStats(-1)
                raw.append(time.perf_counter() - started)
                started = time.perf_counter()
                collector.collect()
                ours.append(time.perf_counter() - started)
    return raw, ours


def fill(ctx, vmids, full, now):
    """Every tier of the VMs in FULL filled for its whole retention, as the collector writes
    them (first-tier rows, coarser steps in blocks); the latest counters of every VM of
    VMIDS. Returns the number of samples stored."""
    from service.telemetry import history, rates

    tiers = history.tiers_of(ctx.config["telemetry"])
    sample = history.stored(tuple(float(i) for i in range(len(rates.FIELDS))))
    values = history.pack(sample)
    rows, steps, stored = [], [], 0
    for vmid in full:
        for index, tier in enumerate(tiers):
            for n in range(tier.slots):
                at = int(now // tier.step - n) * tier.step
                if index == 0:
                    rows.append({"kind": "v", "oid": vmid, "tier": 0, "slot": tier.slot(at),
                                 "at": at, "data": values})
                else:
                    steps.append({"kind": "v", "oid": vmid, "tier": index,
                                  "slot": tier.slot(at), "at": at,
                                  "record": history.step_record(at, sample)})
        if len(rows) + len(steps) >= 50000:
            ctx.store.samples.put(rows, steps)
            stored, rows, steps = stored + len(rows) + len(steps), [], []
    counters = Synthetic(1).getAllDomainStats(0, 0)[0][1]
    latest = [{"kind": "v", "oid": vmid, "tier": -1, "slot": 0, "at": now,
               "data": readings.pack_counters(1, readings.vm_counters(counters))}
              for vmid in vmids]
    ctx.store.samples.put(rows + latest, steps)
    return stored + len(rows) + len(steps)


def db_bytes(ctx):
    import sqlalchemy as sa

    with ctx.store.read() as conn:  # (outside a transaction, or SQLite refuses)
        conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    database = ctx.store.engine.url.database
    return sum(os.path.getsize(p) for p in (database, database + "-wal") if os.path.exists(p))


def p50_ms(url, token, count):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = session.get(url, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text[:300]
    return statistics.median(times)


def storage_and_reads(home, full=100, vms=1000):
    cfg = bench_fleet.build(home, 10, vms)
    cfg["telemetry"]["enabled"] = False  # (the server reads what is filled in, nothing else)
    ctx = context_mod.build(cfg)
    token = admin_token(ctx)
    vmids = [vm.id for vm in ctx.store.vms.list()]
    before = db_bytes(ctx)
    stored = fill(ctx, vmids, vmids[:full], clock.now())
    grown = db_bytes(ctx) - before
    print(f"storage: {stored:,} samples of {full} VMs (every tier full) and {vms:,} VMs' "
          f"counters: {grown / stored:.1f} bytes per stored sample (values 48), "
          f"{grown / full / 1024:.0f} KiB per VM for the whole retention")
    server = ServerProcess(write_config(cfg, os.path.join(home, "reads.yml")), free_port(),
                           os.path.join(home, "reads.log"), workers=None).start()
    try:
        fill(ctx, vmids, [], clock.now())  # fresh counters for the scrape
        health = p50_ms(f"{server.url}/api/v1/health", token, 200)
        day = p50_ms(f"{server.url}/api/v1/vms/{vmids[0]}/metrics?range=24h", token, 200)
        month = p50_ms(f"{server.url}/api/v1/vms/{vmids[0]}/metrics?range=30d", token, 50)
        scrape = p50_ms(f"{server.url}/metrics", token, 20)
        print(f"reads: GET /api/v1/vms/ID/metrics?range=24h p50 {day:.1f} ms (30d: {month:.1f} "
              f"ms); GET /metrics with {vms:,} VMs p50 {scrape:.1f} ms; beside GET "
              f"/api/v1/health p50 {health:.1f} ms")
    finally:
        server.kill()
        ctx.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--guests", type=int, default=4)
    parser.add_argument("--no-lab", action="store_true", help="Skip the lab host's figure.")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="bench-telemetry-")
    try:
        if not args.no_lab:
            raw, ours = lab_pass(args.runs, args.guests)
            print(f"one lab host, {args.guests} guests: the raw calls (all domains' stats, the "
                  f"host's CPU and memory) {spread([t * 1000 for t in raw], 'ms')}; a collection "
                  f"pass {spread([t * 1000 for t in ours], 'ms')}; pass over raw, round by "
                  f"round: {spread([a / b for a, b in zip(ours, raw)], 'x', '{:.3f}')}")
        for hosts, per_host in ((100, 10), (1000, 10)):
            cost = cpu_per_sample(os.path.join(home, f"cpu{hosts}"), hosts, per_host)
            print(f"server CPU per VM sample ({hosts * per_host:,} VMs a pass): {cost:.1f} µs")
        for hosts in (10, 30, 1000):
            times = pass_times(os.path.join(home, f"pass{hosts}"), hosts)
            print(f"a warm pass over {hosts:,} test-driver hosts: "
                  f"{spread([t * 1000 for t in times], 'ms', '{:.0f}')}")
        storage_and_reads(os.path.join(home, "reads"))
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
