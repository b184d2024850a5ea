"""Benchmark: a create through vmfabric beside the same work done with raw libvirt, taking turns.

A lab host of its own, a server over it, the base image already on the host. Each round:

  - vmfabric: `GET /vm/create` (placement, claims, the overlay, the first-boot disk, the
    domain defined and started, the store) until it answers, then destroyed;
  - raw libvirt, from this process over the same qemu+ssh connection vmfabric uses: the
    overlay made on the base image, the domain (vmfabric's own template, without a
    first-boot disk or a NIC) defined and started; then removed.

    .venv/bin/python -m tests.bench.bench_create [--runs 10]
"""

import argparse
import time

import libvirt
import requests

from service import naming, templates
from service.hypervisor.connections import connection_uri
from service.resources import GIB
from tests.bench.labs import lab_with_server
from tests.bench.report import spread

RAW_ID = 900_000  # the raw domains' ids: far above any VM this bench makes


def raw_create(conn, pool, pm, base, base_format, n, pool_path):
    """The overlay, define and start of domain RAW_ID+N; returns seconds taken."""
    vmid = RAW_ID + n
    started = time.perf_counter()
    backing = pool.storageVolLookupByName(base).path()
    volume = pool.createXML(templates.render_volume(
        name=naming.disk(vmid), capacity=GIB, fmt="qcow2", backing_path=backing,
        backing_format=base_format), 0)
    domain = conn.defineXML(templates.render_domain(
        vmid=vmid, name=f"raw{n}", tid=1, image_id=1, cpu=1, ram_mb=512,
        domain_type=pm.domain_type, pool=pool.name(),
        console_log=f"{pool_path}/{naming.console(vmid)}"))
    domain.create()
    took = time.perf_counter() - started
    domain.destroy()
    domain.undefine()
    volume.delete(0)
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with lab_with_server("create", hosts=1, policy="first_fit") as (_lab, ctx, server):
        vmid = requests.get(f"{server.url}/vm/create?name=first&instance_type=1").json()["vmid"]
        assert vmid > 0, "the first create failed"
        requests.get(f"{server.url}/vm/destroy?vmid={vmid}")
        pm = ctx.store.pms.list()[0]
        image = ctx.store.catalog.image(1)
        base = ctx.store.catalog.host_image(pm.id, image["id"])["volume"]
        _, wrapper = ctx.fleet.ssh_files()
        conn = libvirt.open(connection_uri(pm, wrapper))
        try:
            pool = conn.storagePoolLookupByName(ctx.hypervisors.storage.pool_name)
            pool_path = pool.storageVolLookupByName(base).path().rsplit("/", 1)[0]
            ours, raw = [], []
            for n in range(args.runs):
                started = time.perf_counter()
                vmid = requests.get(f"{server.url}/vm/create?name=b{n}&instance_type=1",
                                    timeout=120).json()["vmid"]
                ours.append(time.perf_counter() - started)
                assert vmid > 0
                requests.get(f"{server.url}/vm/destroy?vmid={vmid}", timeout=120)
                raw.append(raw_create(conn, pool, pm, base, image["format"], n, pool_path))
        finally:
            conn.close()
    print(f"create through vmfabric (seed API, until it answers; domain running): "
          f"{spread(ours, 's', '{:.3f}')}")
    print(f"raw libvirt, same host and connection (overlay + define + start): "
          f"{spread(raw, 's', '{:.3f}')}; vmfabric over raw, round by round: "
          f"{spread([a / b for a, b in zip(ours, raw)], 'x', '{:.2f}')}")


if __name__ == "__main__":
    main()
