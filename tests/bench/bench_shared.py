"""Benchmark: a guest on shared storage, beside the references in the same run.

A lab of 4 hosts: h3 and h4 in a storage group on the lab's storage host (iSCSI), h1 and
h2 keeping disks locally. Three equal running guests (type 1: 1 CPU, 512 MB, 1 GiB disk):

- A, `ha`, on shared storage: migrated live back and forth by vmfabric (the migration job,
  from its start to succeeded): memory only;
- B, `ha`, on shared storage: migrated back and forth with `virsh migrate --live
  --persistent --undefinesource` from this machine over the same qemu+ssh connections (the
  raw-libvirt reference for the same kind of domain);
- C, on a local disk: migrated live back and forth by vmfabric, its disk copied
  (copy-storage), today's way for a guest without shared storage.

First each guest writes FILL_MB MiB of random data to its disk (so a copy-storage migration
has a disk to copy, and each guest's memory holds what it wrote), and the disk throughput
inside A and C is measured: 64 MiB written with fsync, and read back after the guest's page
cache is dropped (busybox dd, the SSH round trip subtracted).

    .venv/bin/python -m tests.bench.bench_shared --runs 4
"""

import argparse
import os
import pathlib
import subprocess
import tempfile
import time

from tests.bench.bench_migration import uri
from tests.bench.report import spread
from tests.helpers.shared import storage_group_context
from tests.helpers.waiting import wait_until
from tests.integration.test_ha import guest_ssh
from vmfabric_lab import image as guest_image
from vmfabric_lab.lab import Lab

MB = 64
FILL_MB = 256


def through_vmfabric(ctx, vmid):
    """(seconds from the job's start to succeeded, its result)."""
    start = time.perf_counter()
    job = ctx.compute.migrate(vmid)
    while job["state"] in ("queued", "running"):
        time.sleep(0.05)
        job = ctx.store.jobs.get(job["id"])
    if job["state"] != "succeeded":
        raise RuntimeError(f"migration failed: {job['error']}")
    return time.perf_counter() - start, job["result"]


def through_virsh(lab, domain, source, target):
    start = time.perf_counter()
    subprocess.run(["virsh", "-c", uri(lab, source), "migrate", "--live", "--persistent",
                    "--undefinesource", "--migrateuri", f"tcp://{target}", domain,
                    uri(lab, target)], check=True, capture_output=True, timeout=600)
    return time.perf_counter() - start


def throughput(ctx, ip):
    """(write MB/s, read MB/s) of MB MiB on the guest's disk at IP."""
    base = min(_timed(ctx, ip, "true") for _ in range(3))
    write = _timed(ctx, ip, f"dd if=/dev/zero of=/dev/vda bs=1M seek=100 count={MB} "
                            "conv=notrunc,fsync 2>/dev/null") - base
    read = _timed(ctx, ip, f"sync; echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda "
                           f"of=/dev/null bs=1M skip=100 count={MB} 2>/dev/null") - base
    return MB / write, MB / read


def fill(ctx, ip):
    """FILL_MB MiB of random data on the guest's disk from 100 MiB on (16 MiB made once)."""
    done = guest_ssh(ctx, ip, "dd if=/dev/urandom of=/tmp/r bs=1M count=16 2>/dev/null && "
                              f"for n in $(seq 0 {FILL_MB // 16 - 1}); do dd if=/tmp/r "
                              "of=/dev/vda bs=1M seek=$((100 + n * 16)) conv=notrunc "
                              "2>/dev/null; done; sync; rm /tmp/r", timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"fill: {done.stderr}")


def _timed(ctx, ip, command):
    start = time.perf_counter()
    done = guest_ssh(ctx, ip, command, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{command}: {done.stderr}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    lab_dir = os.path.join(tempfile.gettempdir(), "vmfabric-bench-shared")
    Lab(lab_dir).down(purge=True)
    lab = Lab(lab_dir)
    lab.up(hosts=4)
    home = pathlib.Path(tempfile.mkdtemp(prefix="bench-shared-"))
    group = [h.address for h in lab.state.hosts[2:]]
    ctx = storage_group_context(lab, guest_image.build(), home, members=group)
    try:
        a, b = ctx.compute.create("shared-a", 1, ha=True)[0], \
            ctx.compute.create("shared-b", 1, ha=True)[0]
        c = ctx.compute.create("local-c", 1)[0]
        assert a.storage and b.storage and not c.storage, (a, b, c)
        ips = {vm.id: ctx.store.addresses.of_vm(vm.id)[0].ip for vm in (a, b, c)}
        for vm in (a, b, c):
            wait_until(lambda vm=vm: guest_ssh(ctx, ips[vm.id], "true").returncode == 0,
                       f"{vm.name}'s SSH", 120)
        for vm in (a, b, c):
            fill(ctx, ips[vm.id])
        rates = {name: throughput(ctx, ips[vm.id])
                 for name, vm in (("shared (iSCSI)", a), ("local (qcow2)", c))}
        shared, local, virsh, moved = [], [], [], {"shared": [], "local": []}
        b_host = ctx.store.pms.get(b.pmid).address
        for _ in range(args.runs):
            took, result = through_vmfabric(ctx, a.id)
            shared.append(took)
            moved["shared"].append(result.get("bytes", 0))
            other = next(address for address in group if address != b_host)
            virsh.append(through_virsh(lab, b.domain, b_host, other))
            b_host = other
            took, result = through_vmfabric(ctx, c.id)
            local.append(took)
            moved["local"].append(result.get("bytes", 0))
        print(f"vmfabric live migration, shared storage: {spread(shared, 's')}, "
              f"{max(moved['shared']) / 2 ** 20:.0f} MiB moved at most")
        print(f"virsh migrate --live, same kind of domain: {spread(virsh, 's')}")
        print(f"vmfabric / virsh (medians): "
              f"{sorted(shared)[len(shared) // 2] / sorted(virsh)[len(virsh) // 2]:.2f}")
        print(f"vmfabric live migration, local disk copied: {spread(local, 's')}, "
              f"{max(moved['local']) / 2 ** 20:.0f} MiB moved at most")
        for name, (write, read) in rates.items():
            print(f"guest disk, {name}: write {write:.1f} MB/s (fsync), read {read:.1f} MB/s")
    finally:
        ctx.close()
        Lab(lab_dir).down(purge=True)


if __name__ == "__main__":
    main()
