"""Benchmark the REST server as `vmfabric serve` runs it by default (nginx in front of gunicorn,
2 worker processes per core, 16 threads each), taking turns with its references:

  reads/s of /vm/query, /pm/query and an authenticated GET /api/v1/vms/{id} (wrk, 8
  connections, 10 s each run) by vmfabric without its front beside a bare Flask app
  answering the same paths under the same gunicorn settings (tests/bench/bare_flask.py);
  the front's cost (/vm/query with nginx over without); and create+destroy pairs/s through
  the seed API against hosts whose libvirt URI is libvirt's test driver (isolates
  vmfabric's own overhead: placement, claims, templates, store).

    .venv/bin/python -m tests.bench.bench_api [--runs 3]
Needs `wrk` (Debian package wrk) for the query figures.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import requests

from service import config as config_mod
from service import context as context_mod
from service import naming
from tests.bench.report import spread
from tests.helpers.servers import ServerProcess, admin_token, free_port, write_config

SHA = "cd" * 32
NODE = """<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>64</cores><threads>1</threads><mhz>2000</mhz></cpu>
  <memory>268435456</memory>
  <pool type='dir'>
    <name>vmfabric</name>
    <uuid>{uuid}</uuid>
    <capacity>1099511627776</capacity><allocation>0</allocation><available>1099511627776</available>
    <target><path>/vmfabric-pool</path></target>
    <volume type='file'>
      <name>{base}</name>
      <capacity>1048576</capacity>
      <target><path>/vmfabric-pool/{base}</path></target>
    </volume>
  </pool>
</node>
"""


def setup(home, pms=3, database=None):
    """The configuration (and an admin's token) of a store with PMS test-driver hosts;
    DATABASE: its URL (default: SQLite in HOME)."""
    cfg = config_mod.load(home=home, overrides={
        "placement": {"policy": "first_fit"},
        "inventory": {"path": os.path.join(home, "hosts.yml")},
        **({"database": database} if database else {})})
    ctx = context_mod.build(cfg)
    image = os.path.join(home, "guest.img")
    with open(image, "wb") as fh:
        fh.write(b"\0" * 1048576)
    image_id = ctx.store.catalog.put_image({
        "name": "guest", "source": image, "path": image, "format": "raw",
        "virtual_size": 1048576, "size": 1048576, "sha256": SHA})
    ctx.store.catalog.put_types([{"tid": 1, "cpu": 1, "ram_mb": 512, "disk_gb": 1}])
    base = naming.base_image(image_id, SHA)
    for n in range(pms):
        node = os.path.join(home, f"node{n}.xml")
        with open(node, "w") as fh:
            fh.write(NODE.format(base=base, uuid=f"00000000-0000-0000-0000-{n:012d}"))
        pmid = ctx.store.pms.add({"address": f"127.0.0.{100 + n}", "port": 22, "user": "root",
                                  "libvirt_uri": f"test://{node}",
                                  # the test driver cannot receive uploads: no first-boot disk
                                  "settings": {"vmfabric_first_boot_disk": False},
                                  "state": "up", "reason": "", "domain_type": "qemu"})
        ctx.store.pms.record_discovery(pmid, state="up", capacity={
            "cpu": 100000, "ram_mb": 100000000, "disk_gb": 1000000})
        ctx.store.catalog.record_host_image(pmid, image_id, base, SHA)  # in its node XML
    token = admin_token(ctx)
    ctx.close()
    return cfg, token


def wrk(url, seconds=10, connections=8, token=None):
    header = ["-H", f"Authorization: Bearer {token}"] if token else []
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", *header,
                          url], capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = re.search(r"Latency\s+(\S+)", out).group(1)
    return rate, latency


def pairs(base_url, count=300, clients=8):
    """Create+destroy pairs per second; BASE_URL may be a list (pair N goes to server N mod k)."""
    urls = base_url if isinstance(base_url, list) else [base_url]

    def one(n):
        url = urls[n % len(urls)]
        vmid = requests.get(f"{url}/vm/create?name=b{n}&instance_type=1", timeout=60).json()["vmid"]
        assert vmid > 0
        assert requests.get(f"{url}/vm/destroy?vmid={vmid}", timeout=60).json() == {"status": 1}

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(count)))
    return count / (time.perf_counter() - start)


class BareFlask(ServerProcess):
    """tests/bench/bare_flask.py as a process, started and killed as a server is."""

    def start(self, timeout=60):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.bare_flask", self.config_path, str(self.port)],
            stdout=log, stderr=log, start_new_session=True, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/api/v1/health", timeout=2)
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the bare Flask app did not start")


def compare_with_bare(direct, bare, reads, runs):
    """READS ((path, token)) from vmfabric and from the bare app, taking turns so the
    machine's ups and downs fall on both; each round's ratio is the comparison."""
    for path, auth in reads:  # warm-up: workers connected, statements compiled
        wrk(direct.url + path, seconds=3, token=auth)
        wrk(bare.url + path, seconds=3, token=auth)
    for path, auth in reads:
        ours, reference = [], []
        for _ in range(runs):
            ours.append(wrk(direct.url + path, token=auth)[0])
            reference.append(wrk(bare.url + path, token=auth)[0])
        print(f"GET {path}{' (with a token)' if auth else ''}: "
              f"{spread(ours, 'requests/s', '{:,.0f}')}; a bare Flask app "
              f"{spread(reference, 'requests/s', '{:,.0f}')}; vmfabric over bare, round by "
              f"round: {spread([a / b for a, b in zip(ours, reference)], 'x', '{:.3f}')}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="bench-api-")
    cfg, token = setup(home)
    server = ServerProcess(write_config(cfg, os.path.join(home, "vmfabric.yml")), free_port(),
                           os.path.join(home, "server.log"), workers=None).start()
    unfronted = write_config(dict(cfg, server=dict(cfg["server"], front="none")),
                             os.path.join(home, "direct.yml"))
    direct = ServerProcess(unfronted, free_port(), os.path.join(home, "direct.log"),
                           workers=None).start()
    bare = BareFlask(unfronted, free_port(), os.path.join(home, "bare.log")).start()
    try:
        vmid = requests.get(f"{server.url}/vm/create?name=q&instance_type=1").json()["vmid"]
        reads = ((f"/vm/query?vmid={vmid}", None), ("/pm/query?pmid=1", None),
                 (f"/api/v1/vms/{vmid}", token))
        compare_with_bare(direct, bare, reads, args.runs)
        query = f"/vm/query?vmid={vmid}"
        wrk(direct.url + query, seconds=3)
        fronted, bare_rates = [], []
        for _ in range(args.runs):
            fronted.append(wrk(server.url + query)[0])
            bare_rates.append(wrk(direct.url + query)[0])
        print(f"GET /vm/query without the front (gunicorn alone): "
              f"{spread(bare_rates, 'requests/s', '{:,.0f}')}; with it over without, round by "
              f"round: {spread([a / b for a, b in zip(fronted, bare_rates)], 'x', '{:.3f}')}")
        rates = [pairs(server.url) for _ in range(args.runs)]
        print(f"create+destroy pairs (seed API, test driver hosts): "
              f"{spread(rates, 'pairs/s', '{:,.1f}')}")
    finally:
        for process in (server, direct, bare):
            process.kill()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
