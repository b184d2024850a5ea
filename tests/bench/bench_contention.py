"""Benchmark: the simulator's contention model against steal measured on the lab.

Two guests of one vCPU each, both busy, on one lab host whose CPU is capped at C cores
(a CFS quota over the host's processes) for C in CAPS: the guests want D = 2 cores; the
model (service/simulate/contention.py) says each waits 1 - C/D of the time it wants.
Reported per cap: the steal the guests read (the median of their samples over the
measuring window, through vmfabric's telemetry) beside the model's, and their ratio.

    .venv/bin/python -m tests.bench.bench_contention --caps 0.5 1.0 1.5 --seconds 30
"""

import argparse
import os
import shutil
import statistics
import tempfile
import time

from service.simulate import contention
from tests.helpers.servers import ServerProcess, admin_token, free_port, lab_context, write_config
from tests.helpers.telemetry import after, ip, reachable
from tests.helpers.waiting import wait_until
from vmfabric_lab import image as guest_image
from vmfabric_lab import load
from vmfabric_lab.lab import Lab

INTERVAL = 2


def measure(caps, seconds):
    lab = Lab(os.path.join(tempfile.gettempdir(), "vmfabric-bench-contention"))
    lab.down(purge=True)
    lab.up(hosts=1)
    home = tempfile.mkdtemp(prefix="bench-contention-")
    ctx = server = None
    rows = []
    try:
        ctx = lab_context(lab, guest_image.build(), home, policy="best_fit")
        config = dict(ctx.config, telemetry=dict(ctx.config["telemetry"], interval=INTERVAL,
                                                 tiers=[{"step": INTERVAL, "keep": 3600},
                                                        {"step": 60, "keep": 3600}]))
        server = ServerProcess(write_config(config, os.path.join(home, "vmfabric.yml")),
                               free_port(), os.path.join(home, "server.log"),
                               token=admin_token(ctx)).start()
        answer = server.api("POST", "/vms", json={"name": "busy", "instance_type": 1,
                                                  "count": 2})
        assert answer.status_code == 201, answer.text
        vms = answer.json()["vms"]
        for vm in vms:
            wait_until(lambda: reachable(ctx, ip(vm)), f"vm {vm['id']} answering ssh", 120)
        host = ctx.store.pms.get(vms[0]["pmid"]).address
        ssh = ctx.guest_access.ssh_config
        for vm in vms:
            load.start(ssh, ip(vm), "cpu", seconds=len(caps) * (seconds + 30) + 60)
        for cap in caps:
            lab.cap(host, cap)
            time.sleep(2 * INTERVAL)  # the first samples under the cap are whole ones
            since = time.time()
            time.sleep(seconds)
            read = [v for vm in vms for v in after(server, "vm", vm["id"], since, "steal")]
            lab.uncap(host)
            model = float(contention.host_steal([2.0], [cap])[0]) * 100
            measured = statistics.median(read)
            rows.append((cap, measured, model, len(read)))
        for vm in vms:
            load.stop(ssh, ip(vm))
    finally:
        if server is not None:
            server.kill()
        if ctx is not None:
            ctx.close()
        lab.down(purge=True)
        shutil.rmtree(home, ignore_errors=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--caps", type=float, nargs="+", default=[0.5, 1.0, 1.5])
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    print("cap (cores)  measured steal %  model steal %  measured / model  samples")
    for cap, measured, model, count in measure(args.caps, args.seconds):
        ratio = f"{measured / model:.2f}" if model else "-"
        print(f"{cap:<11}  {measured:<16.1f}  {model:<13.1f}  {ratio:<16}  {count}")


if __name__ == "__main__":
    main()
