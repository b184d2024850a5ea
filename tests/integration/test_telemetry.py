"""Telemetry on the lab, real guests made busy on command: a busy guest shows its CPU within
two intervals and falls back when stopped; memory, disk and network load land in their own
series; on a capped host two busy guests show steal; a migrated guest's series goes on
without a spike."""

import json
import os
import subprocess
import sys
import time

import pytest

from tests.helpers.prometheus import Prometheus
from tests.helpers.telemetry import after, ip, metrics, reachable, reaches, settled
from tests.helpers.servers import armed_server
from tests.helpers.waiting import wait_until
from vmfabric_lab import load

pytestmark = pytest.mark.lab
INTERVAL = 2


@pytest.fixture(scope="module")
def server(lab_ctx, tmp_path_factory):
    srv = armed_server(lab_ctx, tmp_path_factory, "telemetry-server", telemetry={
        "interval": INTERVAL, "tiers": [{"step": INTERVAL, "keep": 3600},
                                        {"step": 60, "keep": 3600}]})
    yield srv
    srv.kill()


@pytest.fixture
def guests(server, lab_ctx):
    """Make N running guests (packed on one host), reachable over ssh; removed afterwards."""
    made = []

    def make(count=1, **extra):
        answer = server.api("POST", "/vms", json={"name": "load", "instance_type": 1,
                                                  "count": count, "placement": "pack", **extra})
        assert answer.status_code == 201, answer.text
        vms = answer.json()["vms"]
        made.extend(vms)
        for vm in vms:
            wait_until(lambda: reachable(lab_ctx, ip(vm)), f"vm {vm['id']} answering ssh", 90)
        return vms
    yield make
    for vm in made:
        server.api("DELETE", f"/vms/{vm['id']}")


def cli(server, *args):
    vmfabric = os.path.join(os.path.dirname(sys.executable), "vmfabric")
    done = subprocess.run([vmfabric, "--url", server.url, *args], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, VMFABRIC_TOKEN=server.token))
    assert done.returncode == 0, done.stderr
    return done


def test_a_busy_guest_shows_its_cpu_and_falls_back_when_stopped(server, lab_ctx, guests):
    vm = guests()[0]
    config = lab_ctx.guest_access.ssh_config
    load.start(config, ip(vm), "cpu", seconds=120)
    started = time.time()
    # the first two samples whose interval lies after the load started: busy
    settled(server, "vm", vm["id"], started, "cpu", lambda v: min(v) >= 75,
            "the busy guest's CPU near 100 %")
    # the CLI's live table and show: the busy guest first, with its CPU
    table = cli(server, "vm", "top", "--once", "--sort", "cpu").stdout.splitlines()
    header = table[0].split()
    assert header[:4] == ["VMID", "NAME", "PMID", "CPU%"], table
    assert table[1].split()[0] == str(vm["id"]) and float(table[1].split()[3]) >= 50, table
    shown = json.loads(cli(server, "vm", "show", str(vm["id"]), "--json").stdout)["vm"]
    assert shown["usage"]["cpu"] >= 50
    load.stop(config, ip(vm))
    stopped = time.time()
    settled(server, "vm", vm["id"], stopped, "cpu", lambda v: max(v) <= 35,
            "the guest's CPU back down once the load stopped")
    host = metrics(server, "pm", vm["pmid"])
    assert host["last"] is not None and host["last"]["cpu"] > 0


def test_a_prometheus_server_scrapes_the_busy_guests_cpu(server, lab_ctx, guests,
                                                         tmp_path_factory):
    prometheus = Prometheus(str(tmp_path_factory.mktemp("prometheus")), server.url,
                            server.token).start()
    try:
        vm = guests()[0]
        load.start(lab_ctx.guest_access.ssh_config, ip(vm), "cpu", seconds=120)
        wait_until(lambda: prometheus.targets_up() == ["up"], "prometheus scraping /metrics", 30)
        busy = f'rate(libvirt_domain_info_cpu_time_seconds_total{{domain="vmf-{vm["id"]}"}}[10s])'
        found = wait_until(lambda: [v for _, v in prometheus.query(busy) if v >= 0.75],
                           "PromQL's rate of the busy guest's CPU time near one vCPU", 90)
        assert found[0] <= 1.2
        load.stop(lab_ctx.guest_access.ssh_config, ip(vm))
    finally:
        prometheus.stop()


def test_memory_disk_and_network_land_in_their_own_series(server, lab_ctx, guests):
    sender, receiver = guests(count=2)
    config = lab_ctx.guest_access.ssh_config
    wait_until(lambda: metrics(server, "vm", sender["id"])["last"] is not None,
               "a first sample of the sender", 30)
    resting = metrics(server, "vm", sender["id"])["last"]["mem_mb"]
    load.start(config, ip(sender), "memory", seconds=60, megabytes=96)
    since = time.time()
    reaches(server, "vm", sender["id"], since, "mem_mb", lambda v: v >= resting + 64,
            "the guest's memory in use up by the 96 MiB it holds")
    load.stop(config, ip(sender))
    load.start(config, ip(sender), "disk", seconds=60)
    since = time.time()
    reaches(server, "vm", sender["id"], since, "read_bps", lambda v: v >= 1e6,
            "the guest's disk reads")
    load.stop(config, ip(sender))
    load.listen(config, ip(receiver))
    load.start(config, ip(sender), "network", seconds=60, peer=ip(receiver))
    since = time.time()
    # (a TCG guest streams tens of kB/s; at rest it sends tens of bytes)
    sent = reaches(server, "vm", sender["id"], since, "tx_bps", lambda v: v >= 1e4,
                   "the sender's bytes out")
    received = reaches(server, "vm", receiver["id"], since, "rx_bps", lambda v: v >= 1e4,
                       "the receiver's bytes in")
    # each in its own direction: what one sends is not counted as what it takes in
    assert max(after(server, "vm", sender["id"], since, "rx_bps")) < max(sent) / 2
    assert max(after(server, "vm", receiver["id"], since, "tx_bps")) < max(received) / 2
    for vm in (sender, receiver):
        load.stop(config, ip(vm))


def test_on_a_capped_host_two_busy_guests_show_steal(server, lab, lab_ctx, guests):
    first, second = guests(count=2)
    assert first["pmid"] == second["pmid"]
    host = lab_ctx.store.pms.get(first["pmid"]).address
    config = lab_ctx.guest_access.ssh_config
    lab.cap(host, 0.5)
    try:
        for vm in (first, second):
            load.start(config, ip(vm), "cpu", seconds=120)
        since = time.time()
        for vm in (first, second):
            reaches(server, "vm", vm["id"], since, "steal", lambda v: v >= 20,
                    f"vm {vm['id']} waiting for the capped host's CPU")
        assert max(after(server, "pm", first["pmid"], since, "steal")) > 0
    finally:
        lab.uncap(host)
        for vm in (first, second):
            load.stop(config, ip(vm))


def test_a_migrated_guests_series_goes_on_without_a_spike(server, lab_ctx, guests):
    vm = guests()[0]
    config = lab_ctx.guest_access.ssh_config
    load.start(config, ip(vm), "disk", seconds=180)
    since = time.time()
    reaches(server, "vm", vm["id"], since, "read_bps", lambda v: v > 1e5, "disk reads")
    before = max(after(server, "vm", vm["id"], since, "read_bps"))
    answer = server.api("POST", f"/vms/{vm['id']}/actions", json={"action": "migrate"})
    assert answer.status_code == 202, answer.text
    job_path = answer.headers["Location"][len("/api/v1"):]
    job = wait_until(lambda: (lambda j: j if j["state"] not in ("queued", "running") else None)(
        server.api("GET", job_path).json()["job"]), "the migration", 300)
    assert job["state"] == "succeeded", job["error"]
    moved = time.time()
    # the series goes on from the new host (whether the guest keeps reading is the guest's:
    # under TCG, one hammering its disk through a storage migration may stall for a while)
    wait_until(lambda: len(after(server, "vm", vm["id"], moved, "read_bps")) >= 2,
               "samples from the new host", 60)
    series = after(server, "vm", vm["id"], since, "read_bps")
    cpu = after(server, "vm", vm["id"], since, "cpu")
    # (best effort: the fixture destroys the guest anyway)
    reachable(lab_ctx, ip(vm))
    # the new QEMU's counters start again: no sample may read them as a jump
    assert max(series) <= 10 * before + 1e6, (before, series)
    assert max(cpu) <= 100
