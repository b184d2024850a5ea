"""Snapshots on the lab: a running guest's snapshot, reverted to later, brings its console
counter back to where it was; the limit per VM holds; a VM with snapshots refuses to migrate."""

import pytest

from tests.helpers.consoles import lines, ticks as ticks_of, wait_text, wait_ticks
from tests.helpers.servers import lab_server

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def server(lab_ctx):
    srv = lab_server(lab_ctx, "snapshot-server", compute={"max_snapshots": 2})
    yield srv
    srv.kill()


def test_a_revert_brings_the_guest_back_where_it_was(server):
    vm = server.api("POST", "/vms", json={"name": "timetraveller", "instance_type": 1}).json()["vms"][0]
    vmid = vm["id"]
    counted = wait_ticks(server, vmid, lambda c: len(c) >= 3)
    taken = server.api("POST", f"/vms/{vmid}/snapshots", json={"name": "before-upgrade"})
    assert taken.status_code == 201, taken.text
    at = ticks_of(lines(server, vmid))[-1]
    assert taken.json()["snapshot"]["vm_state"] == "running"
    later = wait_ticks(server, vmid, lambda c: c[-1] >= at + 6)[-1]
    reverted = server.api("POST", f"/vms/{vmid}/snapshots/before-upgrade/revert")
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["vm"]["state"] == "running"
    # the counter starts again from where the snapshot was taken, not from later or from 1
    after = wait_ticks(server, vmid, lambda c: len(c) > len(counted) and c[-1] < later)
    resumed = next(t for t in after[after.index(later):] if t < later)
    assert at - 1 <= resumed <= at + 3, (at, later, resumed)

    # the limit per VM, names unique, and what a VM with snapshots refuses
    assert server.api("POST", f"/vms/{vmid}/snapshots",
                      json={"name": "before-upgrade"}).status_code == 409
    assert server.api("POST", f"/vms/{vmid}/snapshots", json={"name": "second"}).status_code == 201
    third = server.api("POST", f"/vms/{vmid}/snapshots", json={"name": "third"})
    assert third.status_code == 409 and "max_snapshots" in third.json()["error"]["message"]
    bad = server.api("POST", f"/vms/{vmid}/snapshots", json={"name": "no spaces"})
    assert bad.status_code == 422
    migrate = server.api("POST", f"/vms/{vmid}/actions", json={"action": "migrate"})
    assert migrate.status_code == 409 and "snapshot" in migrate.json()["error"]["message"]
    listed = server.api("GET", f"/vms/{vmid}/snapshots").json()["snapshots"]
    assert [s["name"] for s in listed] == ["before-upgrade", "second"]
    for name in ("before-upgrade", "second"):
        assert server.api("DELETE", f"/vms/{vmid}/snapshots/{name}").status_code == 204
    assert server.api("GET", f"/vms/{vmid}/snapshots").json()["snapshots"] == []
    assert server.api("DELETE", f"/vms/{vmid}").status_code == 204


def test_a_revert_after_a_live_vcpu_hot_plug_brings_the_guest_back_running(server, lab_ctx):
    """A resize hot-plugs a vCPU; a snapshot then holds it; QEMU can load that state only into
    a QEMU that starts with the vCPU, and the store says what the domain is afterwards."""
    vm = server.api("POST", "/vms", json={"name": "hotplugged", "instance_type": 1}).json()["vms"][0]
    vmid = vm["id"]
    wait_ticks(server, vmid, lambda c: len(c) >= 2)
    resized = server.api("POST", f"/vms/{vmid}/actions", json={"action": "resize",
                                                                "instance_type": 2})
    assert resized.status_code == 200 and resized.json()["vm"]["pending_resize"] is None, resized.text
    wait_text(server, vmid, "cpus 2")
    assert server.api("POST", f"/vms/{vmid}/snapshots", json={"name": "two"}).status_code == 201
    at = ticks_of(lines(server, vmid))[-1]
    later = wait_ticks(server, vmid, lambda c: c[-1] >= at + 4)[-1]
    reverted = server.api("POST", f"/vms/{vmid}/snapshots/two/revert")
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["vm"]["state"] == "running"
    after = wait_ticks(server, vmid, lambda c: c[-1] < later)
    assert min(after[after.index(later):]) <= at + 3
    pm = lab_ctx.store.pms.get(reverted.json()["vm"]["pmid"])
    assert lab_ctx.hypervisors.domains.state(pm, f"vmf-{vmid}") == "running"
    assert server.api("DELETE", f"/vms/{vmid}/snapshots/two").status_code == 204
    assert server.api("DELETE", f"/vms/{vmid}").status_code == 204
