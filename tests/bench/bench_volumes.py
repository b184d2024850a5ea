"""Benchmark: attaching a volume to a running guest, beside raw libvirt doing the same.

A lab of 2 hosts, a server and one running guest on each. Measured, through the API (the call
until its 200: the guarded state change, the free device name, the hot-plug and the
definition, the store):

  - the first attach of a new 1 GB volume (its disk made on the guest's host first),
  - N attaches of that volume to the same guest (its disk already there), each detached again,
  - attaches that move it to the guest on the other host (a sparse stream copy first),

and, in the same run, the reference: libvirt-python on one open qemu+ssh connection hot-plugging
the same disk XML into the same guest (attachDeviceFlags LIVE|CONFIG), N times.

    .venv/bin/python -m tests.bench.bench_volumes --attaches 20
"""

import argparse
import time
import xml.etree.ElementTree as ET

import libvirt

from service import templates
from tests.bench.bench_lab import percentile
from tests.bench.labs import lab_with_server

FLAGS = libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG


def timed(call):
    start = time.perf_counter()
    answer = call()
    return time.perf_counter() - start, answer


def wait_console(server, vmid, text, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = server.api("GET", f"/vms/{vmid}/console", params={"lines": 400}).json()["lines"]
        if any(text in line for line in lines):
            return
        time.sleep(0.3)
    raise RuntimeError(f"vm {vmid}: {text!r} not on its console within {timeout} s; it shows:\n"
                       + "\n".join(lines[-15:]))


def action(server, volume_id, **body):
    answer = server.api("POST", f"/volumes/{volume_id}/actions", json=body)
    if answer.status_code != 200:
        raise RuntimeError(f"{body}: {answer.status_code} {answer.text}")
    return answer.json()["volume"]


def summary(what, values):
    return (f"{what}: p50 {percentile(values, 50) * 1000:.0f} ms, p95 "
            f"{percentile(values, 95) * 1000:.0f} ms (range {min(values) * 1000:.0f} - "
            f"{max(values) * 1000:.0f} ms, {len(values)} runs)")


def disks(dom):
    return [t.get("dev") for t in ET.fromstring(dom.XMLDesc(0)).findall("devices/disk/target")]


def reference(lab, vm, pool, attaches):
    """Raw libvirt on one connection: the same disk in the same guest, ATTACHES times."""
    host = next(h for h in lab.state.hosts if h.address == vm["pm_address"])
    conn = libvirt.open(f"qemu+ssh://root@{host.address}/system?command={lab.state.dir}/ssh")
    try:
        dom = conn.lookupByName(vm["domain"])
        volume = conn.storagePoolLookupByName(pool).createXML(templates.render_volume(
            name="vmf-bench-ref.raw", capacity=1024 ** 3, fmt="raw"), 0)
        xml = templates.render_disk(pool=pool, volume="vmf-bench-ref.raw", target="vdc",
                                    serial="vmf-bench-ref")
        times = []
        try:
            for _ in range(attaches):
                times.append(timed(lambda: dom.attachDeviceFlags(xml, FLAGS))[0])
                dom.detachDeviceFlags(xml, FLAGS)
                deadline = asked = time.monotonic()
                deadline += 30
                while "vdc" in disks(dom):  # until the guest lets it go
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the guest kept vdc: {disks(dom)}")
                    if time.monotonic() - asked > 2:  # a guest busy at the first ask missed it
                        asked = time.monotonic()
                        try:
                            dom.detachDeviceFlags(xml, FLAGS)
                        except libvirt.libvirtError:
                            pass  # gone meanwhile, or its removal already under way
                    time.sleep(0.05)
        finally:
            volume.delete(0)
        return times
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attaches", type=int, default=20)
    args = parser.parse_args()
    with lab_with_server("volumes", hosts=2, policy="round_robin") as (lab, ctx, server):
        made = server.api("POST", "/vms", json={"name": "bench-vol", "instance_type": 1,
                                                "count": 2, "placement": "spread"})
        made.raise_for_status()
        here, there = made.json()["vms"]
        for vm in (here, there):
            vm["pm_address"] = ctx.store.pms.get(vm["pmid"]).address
            wait_console(server, vm["id"], "ssh ready")
        volume = server.api("POST", "/volumes", json={"name": "bench", "size": 1}).json()["volume"]
        first, _ = timed(lambda: action(server, volume["id"], action="attach", vmid=here["id"]))
        action(server, volume["id"], action="detach")
        same, detaches, moves = [], [], []
        for _ in range(args.attaches):
            same.append(timed(lambda: action(server, volume["id"], action="attach",
                                             vmid=here["id"]))[0])
            detaches.append(timed(lambda: action(server, volume["id"], action="detach"))[0])
        for n in range(4):
            target = there if n % 2 == 0 else here
            moves.append(timed(lambda: action(server, volume["id"], action="attach",
                                              vmid=target["id"]))[0])
            action(server, volume["id"], action="detach")
        raw = reference(lab, here, ctx.config["libvirt"]["pool"], args.attaches)
        server.api("DELETE", f"/volumes/{volume['id']}")
        for vm in (here, there):
            server.api("DELETE", f"/vms/{vm['id']}")
    print(f"first attach (1 GB disk made on the host): {first * 1000:.0f} ms")
    print(summary("attach, disk on the guest's host (vmfabric API)", same))
    print(summary("attach, raw libvirt attachDeviceFlags on an open connection", raw))
    print(summary("detach (vmfabric API, until the guest let it go)", detaches))
    print(summary("attach moving the 1 GB volume from the other host", moves))

if __name__ == "__main__":
    main()
