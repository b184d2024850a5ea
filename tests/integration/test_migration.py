"""Migration on the lab: a running guest moves live (its console counter goes on, it booted
once, its volume's data comes along), a shut-off one moves cold and boots there, a full host
refuses before anything moves, and a destination whose libvirtd dies mid-migration leaves
the guest running where it was and nothing on the destination."""

import json
import os
import subprocess
import sys

import pytest
import requests

from service import naming
from tests.helpers.consoles import lines as console, ticks, wait_for as wait_console
from tests.helpers.servers import armed_server
from tests.helpers.fleet import fleet_is_whole, vmf_objects
from tests.helpers.waiting import wait_until
from vmfabric_lab.image import GUEST_MARKER

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def server(lab_ctx, tmp_path_factory):
    srv = armed_server(lab_ctx, tmp_path_factory, "migration-server")
    yield srv
    srv.kill()


@pytest.fixture(scope="module")
def slow_server(lab_ctx, tmp_path_factory):
    """Migrations at 1 MiB/s: long enough to fail a host in the middle of one."""
    srv = armed_server(lab_ctx, tmp_path_factory, "slow-migration-server",
                       compute={"migration_bandwidth": 1})
    yield srv
    srv.kill()


def made(server, name, tid=1, **extra):
    answer = server.api("POST", "/vms", json={"name": name, "instance_type": tid, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()["vms"]


def migrate(server, vmid, **body):
    return server.api("POST", f"/vms/{vmid}/actions", json={"action": "migrate", **body})


def finished(server, answer, timeout=300):
    assert answer.status_code == 202, answer.text
    assert answer.headers["Location"] == f"/api/v1/jobs/{answer.json()['job']['id']}"

    def ended():
        job = server.api("GET", answer.headers["Location"][len("/api/v1"):]).json()["job"]
        return job if job["state"] not in ("queued", "running") else None
    return wait_until(ended, f"the job at {answer.headers['Location']} ending", timeout)


def free(server, pmid):
    return requests.get(f"{server.url}/pm/query?pmid={pmid}").json()["free"]


def on_host(lab, lab_ctx, pmid, vmid):
    """The vmf-* objects of VMID that PMID's libvirtd has."""
    address = lab_ctx.store.pms.get(pmid).address
    return {n for n in vmf_objects(lab)[address] if naming.owner_of(n) == vmid}


def guest_ssh(lab_ctx, ip, command):
    return subprocess.run(["ssh", "-F", lab_ctx.guest_access.ssh_config, f"root@{ip}", command],
                          capture_output=True, text=True, timeout=60)


def test_a_running_guest_moves_live_with_its_volume(server, lab, lab_ctx):
    vm = made(server, "traveller")[0]
    source = vm["pmid"]
    wait_console(server, vm["id"], lambda lines: len(ticks(lines)) >= 2, "two ticks")
    volume = server.api("POST", "/volumes", json={"name": "luggage", "size": 1}).json()["volume"]
    attached = server.api("POST", f"/volumes/{volume['id']}/actions",
                          json={"action": "attach", "vmid": vm["id"]})
    assert attached.status_code == 200, attached.text
    ip = vm["addresses"][0]["ip"]
    wait_console(server, vm["id"], lambda lines: any("disk vdb" in line for line in lines), "vdb")
    assert guest_ssh(lab_ctx, ip, "echo carried-along > /dev/vdb && sync").returncode == 0
    before = {pmid: free(server, pmid) for pmid in (1, 2, 3)}
    last_tick = ticks(console(server, vm["id"]))[-1]

    job = finished(server, migrate(server, vm["id"]))
    assert job["state"] == "succeeded", job["error"]
    assert job["result"]["mode"] == "live" and job["result"]["from"] == source
    target = job["result"]["to"]
    moved = server.api("GET", f"/vms/{vm['id']}").json()["vm"]
    assert (moved["pmid"], moved["state"]) == (target, "running")
    # it went on running: the counter continues past where it was, and it booted once
    lines = wait_console(server, vm["id"], lambda ls: ticks(ls) and ticks(ls)[-1] > last_tick + 2,
                         "the counter going on")
    counted = ticks(lines)
    assert counted == sorted(counted) and counted[0] <= 2, "the counter restarted"
    assert sum(GUEST_MARKER in line for line in lines) == 1
    # the volume's data came along; nothing of the VM is left on the source
    read = guest_ssh(lab_ctx, ip, "head -c 14 /dev/vdb")
    assert read.stdout == "carried-along\n", read.stdout + read.stderr
    assert on_host(lab, lab_ctx, source, vm["id"]) == set()
    assert naming.domain(vm["id"]) in on_host(lab, lab_ctx, target, vm["id"])
    stored = lab_ctx.store.volumes.get(volume["id"])
    assert (stored.pmid, stored.pending_pmid, stored.vmid) == (target, None, vm["id"])
    # the resources moved with it: 1 CPU, 512 MB, 1 GB and the 1 GB volume
    assert free(server, source)["cpu"] == before[source]["cpu"] + 1
    assert free(server, source)["disk"] == before[source]["disk"] + 2
    assert free(server, target)["cpu"] == before[target]["cpu"] - 1
    assert free(server, target)["disk"] == before[target]["disk"] - 2
    assert fleet_is_whole(lab_ctx.store, lab) == []
    server.api("POST", f"/volumes/{volume['id']}/actions", json={"action": "detach"})
    assert server.api("DELETE", f"/volumes/{volume['id']}").status_code == 204
    assert server.api("DELETE", f"/vms/{vm['id']}").status_code == 204


def test_a_shut_off_guest_moves_cold_and_boots_there(server, lab, lab_ctx):
    vm = made(server, "sleeper")[0]
    wait_console(server, vm["id"], lambda lines: GUEST_MARKER in lines, "the marker")
    stopped = server.api("POST", f"/vms/{vm['id']}/actions", json={"action": "stop"})
    assert stopped.json()["vm"]["state"] == "shutoff"
    # through the command line, which waits for the job
    vmfabric = os.path.join(os.path.dirname(sys.executable), "vmfabric")
    cli = subprocess.run([vmfabric, "--url", server.url, "vm", "migrate", str(vm["id"]), "--json"],
                         capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, VMFABRIC_TOKEN=server.token))
    assert cli.returncode == 0, cli.stderr
    job = json.loads(cli.stdout)
    assert job["state"] == "succeeded" and job["result"]["mode"] == "cold"
    target = job["result"]["to"]
    assert on_host(lab, lab_ctx, vm["pmid"], vm["id"]) == set()
    started = server.api("POST", f"/vms/{vm['id']}/actions", json={"action": "start"})
    assert started.status_code == 200, started.text
    assert started.json()["vm"]["pmid"] == target
    # it boots from the disk that was copied: a second boot, on the new host
    wait_console(server, vm["id"], lambda ls: sum(GUEST_MARKER in line for line in ls) == 2,
                 "a second boot")
    assert fleet_is_whole(lab_ctx.store, lab) == []
    assert server.api("DELETE", f"/vms/{vm['id']}").status_code == 204


def test_a_full_host_refuses_before_anything_moves(server, lab, lab_ctx):
    fillers = made(server, "filler", tid=3, count=2, placement="pack")
    full = fillers[0]["pmid"]
    try:
        assert fillers[1]["pmid"] == full and free(server, full)["cpu"] == 0
        mover = made(server, "wanderer")[0]
        assert mover["pmid"] != full
        before = {pmid: free(server, pmid) for pmid in (1, 2, 3)}
        refused = migrate(server, mover["id"], pmid=full)
        assert refused.status_code == 409, refused.text
        assert "no room" in refused.json()["error"]["message"]
        assert {pmid: free(server, pmid) for pmid in (1, 2, 3)} == before
        assert server.api("GET", f"/vms/{mover['id']}").json()["vm"]["state"] == "running"
        assert on_host(lab, lab_ctx, full, mover["id"]) == set()
        assert server.api("DELETE", f"/vms/{mover['id']}").status_code == 204
    finally:
        for vm in fillers:
            server.api("DELETE", f"/vms/{vm['id']}")


def test_a_destination_failing_mid_migration_leaves_the_guest_where_it_was(slow_server, lab,
                                                                             lab_ctx):
    server = slow_server
    vm = made(server, "stayer", tid=2)[0]
    source = vm["pmid"]
    wait_console(server, vm["id"], lambda lines: len(ticks(lines)) >= 2, "two ticks")
    answer = migrate(server, vm["id"])
    assert answer.status_code == 202, answer.text
    target = answer.json()["job"]["params"]["to"]
    wait_until(lambda: server.api("GET", f"/jobs/{answer.json()['job']['id']}").json()["job"][
        "progress"].get("data_total"), "the migration moving data", timeout=60, every=0.2)
    assert server.api("POST", f"/vms/{vm['id']}/actions",
                      json={"action": "reboot"}).status_code == 409  # busy migrating
    host = next(h for h in lab.state.hosts if h.address == lab_ctx.store.pms.get(target).address)
    lab.fail(host.address, "libvirtd")
    try:
        job = finished(server, answer, timeout=120)
        assert job["state"] == "failed"
    finally:
        lab.heal(host.address)
    wait_until(lambda: lab_ctx.store.vms.get(vm["id"]).state != "migrating",
               "the interrupted migration settled", timeout=60)  # settled once both answer
    stayed = lab_ctx.store.vms.get(vm["id"])
    assert (stayed.pmid, stayed.target_pmid, stayed.state) == (source, None, "running")
    last = ticks(console(server, vm["id"]))[-1]
    wait_console(server, vm["id"], lambda ls: ticks(ls)[-1] > last, "the counter going on")
    assert on_host(lab, lab_ctx, target, vm["id"]) == set()
    assert fleet_is_whole(lab_ctx.store, lab) == []
    assert server.api("DELETE", f"/vms/{vm['id']}").status_code == 204
