"""Resize on the lab: a running guest grows live (its console shows the vCPUs, memory and disk
it has), shrinks at its next start, and the host's claims follow."""

import re

import pytest
import requests

from tests.helpers.servers import lab_server
from tests.helpers.waiting import wait_until
from tests.helpers.consoles import wait_text

pytestmark = pytest.mark.lab
SHAPE = re.compile(r"vmfabric-guest: cpus (\d+) memory (\d+) kB")


@pytest.fixture(scope="module")
def server(lab_ctx):
    srv = lab_server(lab_ctx, "resize-server")
    yield srv
    srv.kill()


def shape(server, vmid, after=0, timeout=60):
    """The last (vCPUs, memory MB) the guest reported, once it reported one past line AFTER."""
    def reported():
        lines = server.api("GET", f"/vms/{vmid}/console", params={"lines": 2000}).json()["lines"]
        found = [(i, m) for i, m in ((i, SHAPE.search(line)) for i, line in enumerate(lines))
                 if m and i >= after]
        if found:
            i, match = found[-1]
            return int(match.group(1)), int(match.group(2)) // 1024, i + 1, lines
        return None
    return wait_until(reported, f"vm {vmid} reporting a new size", timeout)


def wait_line(server, vmid, text, timeout=60):
    wait_text(server, vmid, text, timeout)


def free(server, pmid):
    return requests.get(f"{server.url}/pm/query?pmid={pmid}").json()["free"]


def resize(server, vmid, **body):
    answer = server.api("POST", f"/vms/{vmid}/actions", json={"action": "resize", **body})
    assert answer.status_code == 200, answer.text
    return answer.json()["vm"]


def test_a_guest_grows_live_and_shrinks_at_its_next_start(server, lab_ctx):
    # made through the seed API, whose answers must keep the type its owner chose
    vmid = requests.get(f"{server.url}/vm/create?name=elastic&instance_type=1").json()["vmid"]
    vm = server.api("GET", f"/vms/{vmid}").json()["vm"]
    cpus, memory, seen, _ = shape(server, vm["id"])
    assert cpus == 1 and 400 < memory <= 512
    before = free(server, vm["pmid"])
    grown = resize(server, vm["id"], instance_type=2)  # 2 CPU, 1024 MB, 2 GB: its headroom
    assert grown["pending_resize"] is None and grown["instance_type"] == 2
    assert grown["resources"] == {"cpu": 2, "ram": 1024, "disk": 2}
    cpus, memory, seen, _ = shape(server, vm["id"], after=seen)
    if cpus != 2 or memory <= 900:  # the balloon lets go a little after the vCPU arrives
        cpus, memory, seen, _ = shape(server, vm["id"], after=seen)
    assert cpus == 2 and 900 < memory <= 1024
    wait_line(server, vm["id"], f"disk vda {2 * 1024 ** 3} bytes")  # the guest sees it grown
    assert free(server, vm["pmid"]) == {"cpu": before["cpu"] - 1, "ram": before["ram"] - 512,
                                        "disk": before["disk"] - 1}

    smaller = resize(server, vm["id"], cpu=1, ram=512)
    assert smaller["pending_resize"] == {"cpu": 1, "ram": 512}
    assert smaller["resources"]["cpu"] == 2  # held until the guest restarts
    assert requests.get(f"{server.url}/vm/query?vmid={vm['id']}").json()["instance_type"] == 2
    server.api("POST", f"/vms/{vm['id']}/actions", json={"action": "stop"})
    started = server.api("POST", f"/vms/{vm['id']}/actions", json={"action": "start"}).json()["vm"]
    assert started["pending_resize"] is None
    assert started["resources"] == {"cpu": 1, "ram": 512, "disk": 2}
    cpus, memory, _, _ = shape(server, vm["id"], after=seen)
    assert cpus == 1 and memory <= 512
    assert free(server, vm["pmid"])["cpu"] == before["cpu"]

    too_big = server.api("POST", f"/vms/{vm['id']}/actions", json={"action": "resize", "cpu": 500})
    assert too_big.status_code == 409 and "CPU" in too_big.json()["error"]["message"]
    shrink_disk = server.api("POST", f"/vms/{vm['id']}/actions",
                             json={"action": "resize", "disk": 1})
    assert shrink_disk.status_code == 422 and "never shrink" in shrink_disk.json()["error"]["message"]
    assert server.api("DELETE", f"/vms/{vm['id']}").status_code == 204
