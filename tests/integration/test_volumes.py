"""Volumes on the lab: hot-plugged into running guests (seen on their consoles), moved between
hosts with their data, claims on /pm/query following them, one attach of two, a host failing
mid-attach, a VM destroyed under its volume, and a disk deleted behind vmfabric's back."""

import concurrent.futures
import os
import subprocess
import threading

import pytest
import requests

from service import naming
from tests.helpers.fleet import fleet_is_whole
from tests.helpers.servers import armed_server
from tests.helpers.waiting import wait_until
from tests.helpers.consoles import wait_text
from vmfabric_lab import daemons

pytestmark = pytest.mark.lab
GB = 1024 ** 3


@pytest.fixture(scope="module")
def server(lab_ctx, tmp_path_factory):
    srv = armed_server(lab_ctx, tmp_path_factory, "volume-server")
    yield srv
    srv.kill()


@pytest.fixture(scope="module")
def guests(server):
    made = server.api("POST", "/vms", json={"name": "vol-guest", "instance_type": 1, "count": 2,
                                            "placement": "spread"})
    assert made.status_code == 201, made.text
    vms = made.json()["vms"]
    for vm in vms:
        console_shows(server, vm["id"], "ssh ready")
    yield vms
    for vm in vms:
        server.api("DELETE", f"/vms/{vm['id']}")


def console_shows(server, vmid, text, timeout=45):
    return wait_text(server, vmid, text, timeout)


def free_disk(server, pmid):
    return requests.get(f"{server.url}/pm/query?pmid={pmid}").json()["free"]["disk"]


def action(server, volume_id, **body):
    return server.api("POST", f"/volumes/{volume_id}/actions", json=body)


def guest_ssh(lab_ctx, ip, command):
    return subprocess.run(["ssh", "-F", lab_ctx.guest_access.ssh_config, f"root@{ip}", command],
                          capture_output=True, text=True, timeout=60)


def test_a_volume_follows_its_guests(server, guests, lab, lab_ctx):
    first, second = guests
    ip_first, ip_second = (vm["addresses"][0]["ip"] for vm in guests)
    volume = server.api("POST", "/volumes", json={"name": "data", "size": 1}).json()["volume"]
    before = {vm["pmid"]: free_disk(server, vm["pmid"]) for vm in guests}
    attached = action(server, volume["id"], action="attach", vmid=first["id"])
    assert attached.status_code == 200, attached.text
    assert attached.json()["volume"]["state"] == "attached"
    assert attached.json()["volume"]["target"] == "vdb"
    console_shows(server, first["id"], f"disk vdb {GB} bytes")
    assert free_disk(server, first["pmid"]) == before[first["pmid"]] - 1
    # data written in one guest ...
    assert guest_ssh(lab_ctx, ip_first, "echo vmfabric-data > /dev/vdb && sync").returncode == 0
    assert action(server, volume["id"], action="detach").json()["volume"]["state"] == "available"
    moved = action(server, volume["id"], action="attach", vmid=second["id"])
    assert moved.status_code == 200, moved.text
    console_shows(server, second["id"], f"disk vdb {GB} bytes")
    # ... is there in the other, on another host, and the claim moved with it
    read = guest_ssh(lab_ctx, ip_second, "head -c 13 /dev/vdb")
    assert read.stdout == "vmfabric-data", read.stdout + read.stderr
    assert free_disk(server, first["pmid"]) == before[first["pmid"]]
    assert free_disk(server, second["pmid"]) == before[second["pmid"]] - 1
    # two attaches of one volume at once: exactly one wins
    assert action(server, volume["id"], action="detach").status_code == 200
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda vm: action(server, volume["id"], action="attach",
                                                  vmid=vm["id"]).status_code, guests))
    assert sorted(answers) == [200, 409], answers
    assert action(server, volume["id"], action="detach").status_code == 200
    assert server.api("DELETE", f"/volumes/{volume['id']}").status_code == 204
    assert free_disk(server, second["pmid"]) == before[second["pmid"]]
    assert fleet_is_whole(lab_ctx.store, lab) == []


def test_a_host_failing_mid_attach_leaves_the_volume_whole(server, guests, lab, lab_ctx):
    guest = guests[0]
    volume = server.api("POST", "/volumes", json={"name": "fragile", "size": 1}).json()["volume"]
    armed = os.path.join(server.armed, "volume.attach.after_disk")
    with open(armed, "w") as fh:
        fh.write("pause")
    result = {}
    worker = threading.Thread(target=lambda: result.update(answer=action(
        server, volume["id"], action="attach", vmid=guest["id"])))
    worker.start()
    wait_until(lambda: lab_ctx.store.volumes.get(volume["id"]).pending_pmid is not None,
               "the attach reaching its pause", timeout=30, every=0.1)
    host = next(h for h in lab.state.hosts
                if h.address == lab_ctx.store.pms.get(guest["pmid"]).address)
    lab.fail(host.address, "libvirtd")
    try:
        os.unlink(armed)
        worker.join(timeout=120)
        assert result["answer"].status_code == 502
    finally:
        lab.heal(host.address)
    stored = lab_ctx.store.volumes.get(volume["id"])
    assert (stored.state, stored.pmid, stored.pending_pmid, stored.vmid) == (
        "available", None, None, None)
    disks = daemons.in_host(host.pids["anchor"], ["virsh", "-q", "-c", "qemu:///system",
                                                  "domblklist", guest["domain"]])
    assert naming.volume(volume["id"]) not in disks
    # and it works once the host is back
    wait_until(lambda: lab_ctx.store.pms.get(guest["pmid"]).state == "up",
               "the sync seeing the host up again", timeout=30)
    again = action(server, volume["id"], action="attach", vmid=guest["id"])
    assert again.status_code == 200, again.text
    assert action(server, volume["id"], action="detach").status_code == 200
    assert server.api("DELETE", f"/volumes/{volume['id']}").status_code == 204
    assert fleet_is_whole(lab_ctx.store, lab) == []


def test_destroying_a_vm_keeps_its_volume_and_a_lost_disk_is_missing(server, lab, lab_ctx):
    vm = server.api("POST", "/vms", json={"name": "short-lived", "instance_type": 1}).json()["vms"][0]
    volume = server.api("POST", "/volumes", json={"name": "keep", "size": 1}).json()["volume"]
    assert action(server, volume["id"], action="attach", vmid=vm["id"]).status_code == 200
    assert server.api("DELETE", f"/vms/{vm['id']}").status_code == 204
    kept = server.api("GET", f"/volumes/{volume['id']}").json()["volume"]
    assert (kept["state"], kept["vmid"], kept["pmid"]) == ("available", None, vm["pmid"])
    pm = lab_ctx.store.pms.get(vm["pmid"])
    host = next(h for h in lab.state.hosts if h.address == pm.address)
    daemons.in_host(host.pids["anchor"], ["virsh", "-q", "-c", "qemu:///system", "vol-delete",
                                          "--pool", "vmfabric", naming.volume(volume["id"])])
    wait_until(lambda: server.api("GET", f"/volumes/{volume['id']}").json()["volume"]["state"]
               == "missing", "the lost disk noticed", timeout=15)
    used = lab_ctx.store.pms.get(pm.id).used_disk_gb
    assert server.api("DELETE", f"/volumes/{volume['id']}").status_code == 204
    assert lab_ctx.store.pms.get(pm.id).used_disk_gb == used - 1
    assert fleet_is_whole(lab_ctx.store, lab) == []


def test_two_volumes_attached_to_one_guest_at_once_get_two_devices(server, guests, lab, lab_ctx):
    guest = guests[0]
    made = [server.api("POST", "/volumes", json={"name": f"pair-{n}", "size": 1}).json()["volume"]
            for n in range(2)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda v: action(server, v["id"], action="attach",
                                                 vmid=guest["id"]), made))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    targets = {a.json()["volume"]["target"] for a in answers}
    assert len(targets) == 2, targets
    for volume in made:
        assert action(server, volume["id"], action="detach").status_code == 200
        assert server.api("DELETE", f"/volumes/{volume['id']}").status_code == 204
    assert fleet_is_whole(lab_ctx.store, lab) == []
