"""A failed host evacuated on the lab: its guest is rebuilt on another host from its image,
keeping its vmid, name and address, reachable with its new (verified) host key; when the host
comes back, the sync removes the stale copy it still ran."""

import json
import os
import subprocess
import sys

import pytest

from service import naming
from tests.helpers.consoles import lines as console
from tests.helpers.servers import armed_server
from tests.helpers.fleet import fleet_is_whole, vmf_objects
from tests.helpers.waiting import wait_until
from vmfabric_lab.image import GUEST_MARKER

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def server(lab_ctx, tmp_path_factory):
    srv = armed_server(lab_ctx, tmp_path_factory, "evacuate-server")
    yield srv
    srv.kill()


def until(check, what, timeout=60):
    wait_until(check, what, timeout)


def test_a_failed_hosts_guest_is_rebuilt_elsewhere(server, lab, lab_ctx):
    vm = server.api("POST", "/vms", json={"name": "survivor", "instance_type": 1}).json()["vms"][0]
    until(lambda: any("ssh ready" in line for line in console(server, vm["id"])), "ssh ready")
    pm = lab_ctx.store.pms.get(vm["pmid"])
    host = next(h for h in lab.state.hosts if h.address == pm.address)
    lab.fail(host.address, "link")
    try:
        until(lambda: lab_ctx.store.pms.get(pm.id).state == "down", "the host marked down")
        vmfabric = os.path.join(os.path.dirname(sys.executable), "vmfabric")
        evacuated = subprocess.run(
            [vmfabric, "--url", server.url, "pm", "evacuate", str(pm.id), "--rebuild", "--yes",
             "--json"], capture_output=True, text=True, timeout=300,
            env=dict(os.environ, VMFABRIC_TOKEN=server.token))
        assert evacuated.returncode == 0, evacuated.stderr
        job = json.loads(evacuated.stdout)
        assert job["state"] == "succeeded" and job["result"]["lost"] == []
        rebuilt = server.api("GET", f"/vms/{vm['id']}").json()["vm"]
        assert rebuilt["pmid"] != pm.id and rebuilt["state"] == "running"
        assert (rebuilt["name"], rebuilt["addresses"]) == (vm["name"], vm["addresses"])
        until(lambda: any("ssh ready" in line for line in console(server, vm["id"])),
              "ssh ready on the new host")
        assert sum(GUEST_MARKER in line for line in console(server, vm["id"])) == 1  # a new disk
        ssh = lab_ctx.guest_access.ssh_config
        reached = subprocess.run(["ssh", "-F", ssh, f"root@{vm['addresses'][0]['ip']}", "hostname"],
                                 capture_output=True, text=True, timeout=60)
        assert reached.returncode == 0 and reached.stdout.strip() == "survivor", reached.stderr
    finally:
        lab.heal(host.address)
    # back: the stale copy it kept running is removed by the sync
    until(lambda: lab_ctx.store.pms.get(pm.id).state == "up", "the host up again")
    until(lambda: not {n for n in vmf_objects(lab)[pm.address]
                       if naming.owner_of(n) == vm["id"]}, "the stale copy removed")
    assert fleet_is_whole(lab_ctx.store, lab) == []
    assert server.api("DELETE", f"/vms/{vm['id']}").status_code == 204
