"""Benchmark the lab and real guests:

  `lab up` time for 3 and 10 hosts (median of RUNS, each from nothing),
  guest boot time to VMFABRIC-GUEST-READY, first-use image upload, and the
  API's create latency (HTTP call until the domain runs) over 20 creates with
  the base image already on the hosts.

    .venv/bin/python -m tests.bench.bench_lab --runs 3
"""

import argparse
import os
import shutil
import statistics
import tempfile
import time

import requests

from vmfabric_lab import image as guest_image
from vmfabric_lab.image import GUEST_MARKER
from vmfabric_lab.lab import Lab
from tests.helpers.servers import ServerProcess, admin_token, free_port, lab_context, write_config


def lab_up_times(runs, hosts):
    times = []
    for _ in range(runs):
        lab = Lab(os.path.join(tempfile.gettempdir(), f"vmfabric-bench-up-{hosts}"))
        start = time.perf_counter()
        lab.up(hosts=hosts)
        times.append(time.perf_counter() - start)
        lab.down()
    return statistics.median(times)


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def guests(creates):
    lab = Lab(os.path.join(tempfile.gettempdir(), "vmfabric-bench-guests"))
    lab.up(hosts=3)
    home = tempfile.mkdtemp(prefix="bench-lab-")
    try:
        ctx = lab_context(lab, guest_image.build(), home, policy="round_robin")
        cfg = ctx.config
        token = admin_token(ctx)
        ctx.store.dispose()
        server = ServerProcess(write_config(cfg, os.path.join(home, "vmfabric.yml")), free_port(),
                               os.path.join(home, "server.log"), token=token).start()
        try:
            first, boots, latencies = [], [], []
            for n in range(3):  # first use on each host: includes the image upload
                start = time.perf_counter()
                vmid = requests.get(f"{server.url}/vm/create?name=first{n}&instance_type=1").json()["vmid"]
                first.append(time.perf_counter() - start)
                boots.append(wait_marker(server, vmid, start))
                requests.get(f"{server.url}/vm/destroy?vmid={vmid}")
            for n in range(creates):
                start = time.perf_counter()
                vmid = requests.get(f"{server.url}/vm/create?name=b{n}&instance_type=1").json()["vmid"]
                latencies.append(time.perf_counter() - start)
                assert vmid > 0
                requests.get(f"{server.url}/vm/destroy?vmid={vmid}")
            return first, boots, latencies
        finally:
            server.kill()
    finally:
        lab.down()
        shutil.rmtree(home, ignore_errors=True)


def wait_marker(server, vmid, start, timeout=90):
    while time.perf_counter() - start < timeout:
        lines = server.api("GET", f"/vms/{vmid}/console?lines=20").json()["lines"]
        if GUEST_MARKER in lines:
            return time.perf_counter() - start
        time.sleep(0.2)
    raise RuntimeError(f"vm {vmid}: no marker in {timeout} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--creates", type=int, default=20)
    args = parser.parse_args()
    for hosts in (3, 10):
        print(f"lab up --hosts {hosts}: median {lab_up_times(args.runs, hosts):.2f} s "
              f"over {args.runs} runs")
    first, boots, latencies = guests(args.creates)
    print(f"first create per host (image upload + verify + start): "
          f"median {statistics.median(first):.2f} s")
    print(f"boot to {GUEST_MARKER} after the create call: median {statistics.median(boots):.2f} s")
    print(f"create (HTTP call to domain running), {len(latencies)} creates: "
          f"p50 {percentile(latencies, 50):.3f} s, p95 {percentile(latencies, 95):.3f} s")


if __name__ == "__main__":
    main()
