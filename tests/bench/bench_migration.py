"""Benchmark: live migration of a 512 MB guest, vmfabric beside `virsh migrate` in the same run.

A lab of 2 hosts, a server, and two equal running guests (instance type 1: 1 CPU, 512 MB).
One is migrated back and forth RUNS times through the API (the call until its job
succeeded: destination claimed, disks made there, the migration, the store); the other the
same number of times with

    virsh migrate --live --copy-storage-inc --persistent --undefinesource ...

from this machine over the same qemu+ssh connections, its destination disk made first as
virsh needs (that preparation is timed apart). Both report the guest's pause (downtime) as
the destination's libvirt measured it.

    .venv/bin/python -m tests.bench.bench_migration --runs 4
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

import libvirt

from service import naming
from service.hypervisor.migration import file_disks
from tests.bench.bench_volumes import wait_console
from tests.bench.labs import lab_with_server


def uri(lab, address):
    return f"qemu+ssh://root@{address}/system?command={lab.state.dir}/ssh"


def through_api(server, vmid):
    start = time.perf_counter()
    job = server.api("POST", f"/vms/{vmid}/actions", json={"action": "migrate"}).json()["job"]
    while job["state"] in ("queued", "running"):
        time.sleep(0.1)
        job = server.api("GET", f"/jobs/{job['id']}").json()["job"]
    if job["state"] != "succeeded":
        raise RuntimeError(f"migration failed: {job['error']}")
    return time.perf_counter() - start, job["result"]["downtime_ms"]


def through_virsh(ctx, lab, vm, source, target):
    """(seconds of the virsh command, seconds preparing the destination, downtime ms)."""
    start = time.perf_counter()
    image = ctx.store.catalog.image(vm.image_id)
    capacity = ctx.hypervisors.storage.capacity(source, naming.disk(vm.id))
    ctx.compute._launcher.make_disk(target, vm.id, image, capacity)
    for name in (naming.cidata(vm.id), naming.console(vm.id)):
        ctx.hypervisors.storage.copy_volume(source, target, name)
    prepared = time.perf_counter() - start
    conn = libvirt.open(uri(lab, source.address))
    try:
        xml = conn.lookupByName(vm.domain).XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE)
    finally:
        conn.close()
    pool_path = ctx.compute._launcher.pool_path(target)
    with tempfile.TemporaryDirectory(prefix="bench-migration-") as scratch:
        dest_xml = os.path.join(scratch, "dest.xml")
        with open(dest_xml, "w") as fh:
            fh.write(file_disks(xml, ctx.hypervisors.storage.pool_name,
                                {"vda": f"{pool_path}/{naming.disk(vm.id)}"}))
        start = time.perf_counter()
        subprocess.run(["virsh", "-c", uri(lab, source.address), "migrate", "--live",
                        "--copy-storage-inc", "--persistent", "--undefinesource", "--xml",
                        dest_xml, "--migrate-disks", "vda", "--migrateuri",
                        f"tcp://{target.address}", "--disks-uri", f"tcp://{target.address}",
                        vm.domain, uri(lab, target.address)], check=True, capture_output=True,
                       timeout=600)
        took = time.perf_counter() - start
    conn = libvirt.open(uri(lab, target.address))
    try:
        downtime = conn.lookupByName(vm.domain).jobStats(
            libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED).get("downtime")
    finally:
        conn.close()
    ctx.hypervisors.storage.delete_volumes(source, naming.volumes_of(vm.id))
    return took, prepared, downtime


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    with lab_with_server("migration", hosts=2, policy="first_fit") as (lab, ctx, server):
        made = server.api("POST", "/vms", json={"name": "bench-mig", "instance_type": 1,
                                                "count": 2, "placement": "pack"})
        made.raise_for_status()
        ours, theirs = made.json()["vms"]
        for vm in (ours, theirs):
            wait_console(server, vm["id"], "ssh ready")
        api_times, api_downtimes = [], []
        virsh_times, prepare_times, virsh_downtimes = [], [], []
        hosts = [ctx.store.pms.get(pmid) for pmid in (1, 2)]
        here = ctx.store.pms.get(theirs["pmid"])
        for run in range(args.runs):
            took, downtime = through_api(server, ours["id"])
            api_times.append(took)
            api_downtimes.append(downtime)
            there = next(pm for pm in hosts if pm.id != here.id)
            took, prepared, downtime = through_virsh(
                ctx, lab, ctx.store.vms.get(theirs["id"]), here, there)
            virsh_times.append(took)
            prepare_times.append(prepared)
            virsh_downtimes.append(downtime)
            here = there
        for vm in (ours, theirs):
            server.api("DELETE", f"/vms/{vm['id']}")

    def line(what, values, unit="s", scale=1.0, fmt="{:.2f}"):
        values = [v * scale for v in values]
        return (f"{what}: median {fmt.format(statistics.median(values))} {unit} (range "
                f"{fmt.format(min(values))} - {fmt.format(max(values))}, {len(values)} runs)")
    print(line("vmfabric migrate (API call to job succeeded)", api_times))
    print(line("virsh migrate --live --copy-storage-inc", virsh_times))
    print(line("  + making its destination disk first", prepare_times))
    ratio = statistics.median(api_times) / statistics.median(virsh_times)
    print(f"vmfabric / virsh (medians): {ratio:.2f}")
    print(line("guest paused, vmfabric", api_downtimes, "ms", fmt="{:.0f}"))
    print(line("guest paused, virsh", virsh_downtimes, "ms", fmt="{:.0f}"))

if __name__ == "__main__":
    main()
