"""Benchmark: from the create call to the first successful SSH command on the new guest.

A lab of 3 hosts (its own directory), a server, and N creates one after another
(the base image already on the hosts); each is timed until `ssh ... true`
succeeds against the host key vmfabric gave the guest, then destroyed.

    .venv/bin/python -m tests.bench.bench_ssh --creates 12
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from tests.bench.bench_lab import percentile
from tests.helpers.servers import ServerProcess, admin_token, free_port, lab_context, write_config
from vmfabric_lab import image as guest_image
from vmfabric_lab.lab import Lab


def first_ssh(server, access, timeout=120):
    start = time.perf_counter()
    created = server.api("POST", "/vms", timeout=300,
                         json={"name": f"ssh-{int(start * 1000) % 100000}", "instance_type": 1})
    created.raise_for_status()
    vm = created.json()["vms"][0]
    returned = time.perf_counter() - start
    ip = vm["addresses"][0]["ip"]
    while time.perf_counter() - start < timeout:
        done = subprocess.run(["ssh", "-F", access.ssh_config, "-o", "ConnectTimeout=1",
                               f"root@{ip}", "true"], capture_output=True, timeout=30)
        if done.returncode == 0:
            return vm["id"], returned, time.perf_counter() - start
        time.sleep(0.1)
    raise RuntimeError(f"vm {vm['id']}: no SSH within {timeout} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creates", type=int, default=12)
    args = parser.parse_args()
    lab = Lab(os.path.join(tempfile.gettempdir(), "vmfabric-bench-ssh"))
    lab.up(hosts=3)
    home = tempfile.mkdtemp(prefix="bench-ssh-")
    try:
        ctx = lab_context(lab, guest_image.build(), home, policy="round_robin")
        server = ServerProcess(write_config(ctx.config, os.path.join(home, "vmfabric.yml")),
                               free_port(), os.path.join(home, "server.log"),
                               token=admin_token(ctx)).start()
        try:
            for _ in range(3):  # the base image onto each host first
                vmid, _, _ = first_ssh(server, ctx.guest_access)
                server.api("DELETE", f"/vms/{vmid}", timeout=120)
            returned, ssh_ready = [], []
            for _ in range(args.creates):
                vmid, call, ready = first_ssh(server, ctx.guest_access)
                returned.append(call)
                ssh_ready.append(ready)
                server.api("DELETE", f"/vms/{vmid}", timeout=120)
        finally:
            server.kill()
            ctx.close()
        print(f"create call answered (domain running), {len(returned)} creates: "
              f"p50 {statistics.median(returned):.2f} s")
        print(f"create call to first successful SSH, {len(ssh_ready)} creates: "
              f"p50 {percentile(ssh_ready, 50):.2f} s, p95 {percentile(ssh_ready, 95):.2f} s "
              f"(range {min(ssh_ready):.2f} - {max(ssh_ready):.2f} s)")
    finally:
        lab.down()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
