"""The periodic sync on the lab: the store follows what happens on the hosts behind its back."""

import os
import time

import pytest
import requests
import sqlalchemy as sa

from vmfabric_lab import daemons
from service.store.schema import jobs
from tests.helpers.servers import ServerProcess, admin_token, free_port, write_config
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.lab
INTERVAL = 2


@pytest.fixture(scope="module")
def server(lab, lab_ctx):
    """A server over lab_ctx's store whose sync looks at the hosts every INTERVAL seconds."""
    home = lab_ctx.config["home"]
    config = dict(lab_ctx.config, sync=dict(lab_ctx.config["sync"], interval=INTERVAL,
                                            host_timeout=3))
    path = write_config(config, os.path.join(home, "sync-server.yml"))
    srv = ServerProcess(path, free_port(), os.path.join(home, "sync-server.log"),
                        token=admin_token(lab_ctx)).start()
    yield srv
    srv.kill()


def api(server, method, path, **kwargs):
    return server.api(method, path, **kwargs)


def wait_for(what, check, timeout):
    return wait_until(check, what, timeout, every=0.2)


def virsh_on(lab, pmid_address, *args):
    host = next(h for h in lab.state.hosts if h.address == pmid_address)
    return daemons.in_host(host.pids["anchor"], ["virsh", "-q", "-c", "qemu:///system", *args])


def test_the_store_follows_the_hosts(server, lab, lab_ctx):
    created = api(server, "POST", "/vms", json={"name": "synced", "instance_type": 1, "count": 2})
    assert created.status_code == 201, created.text
    gone, stopped = created.json()["vms"]
    pm_gone = api(server, "GET", f"/pms/{gone['pmid']}").json()["pm"]
    pm_stopped = api(server, "GET", f"/pms/{stopped['pmid']}").json()["pm"]
    jobs_before = _job_count(lab_ctx)
    try:
        virsh_on(lab, pm_gone["address"], "destroy", gone["domain"])
        virsh_on(lab, pm_gone["address"], "undefine", gone["domain"])
        virsh_on(lab, pm_stopped["address"], "destroy", stopped["domain"])
        missing = wait_for("the removed guest shows missing", lambda: _vm_if(
            server, gone["id"], "missing"), 2 * INTERVAL + 1)
        assert gone["domain"] in missing["error"] and missing["state_age"] < 2 * INTERVAL + 1
        wait_for("the stopped guest shows shutoff",
                 lambda: _vm_if(server, stopped["id"], "shutoff"), 2 * INTERVAL + 1)

        host = next(h for h in lab.state.hosts if h.address == pm_stopped["address"])
        lab.fail(host.address, "libvirtd")
        try:
            down = wait_for("the host whose libvirtd failed is down", lambda: _pm_if(
                server, pm_stopped["id"], "down"), 2 * INTERVAL + 4)
            assert "libvirtd is not running" in down["reason"]
        finally:
            lab.heal(host.address)
        wait_for("the healed host is up again", lambda: _pm_if(server, pm_stopped["id"], "up"),
                 2 * INTERVAL + 4)
        assert _job_count(lab_ctx) == jobs_before  # came back with no rediscovery

        used = api(server, "GET", f"/pms/{pm_gone['id']}").json()["pm"]["allocated"]["cpu"]
        assert api(server, "DELETE", f"/vms/{gone['id']}").status_code == 204
        after = api(server, "GET", f"/pms/{pm_gone['id']}").json()["pm"]["allocated"]["cpu"]
        assert after == used - gone["resources"]["cpu"]
    finally:
        for vm in (gone, stopped):
            api(server, "DELETE", f"/vms/{vm['id']}")


def _vm_if(server, vmid, state):
    vm = api(server, "GET", f"/vms/{vmid}").json()["vm"]
    return vm if vm["state"] == state else None


def _pm_if(server, pmid, state):
    pm = api(server, "GET", f"/pms/{pmid}").json()["pm"]
    return pm if pm["state"] == state else None


def _job_count(ctx):
    with ctx.store.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(jobs)).scalar()


def test_a_host_whose_link_fails_under_a_guest(server, lab, lab_ctx):
    created = api(server, "POST", "/vms", json={"name": "cut-off", "instance_type": 1})
    assert created.status_code == 201, created.text
    vm = created.json()["vms"][0]
    pm = api(server, "GET", f"/pms/{vm['pmid']}").json()["pm"]
    host = next(h for h in lab.state.hosts if h.address == pm["address"])
    jobs_before = _job_count(lab_ctx)
    lab.fail(host.address, "link")
    try:
        for path in (f"/api/v1/vms/{vm['id']}", f"/vm/query?vmid={vm['id']}",
                     f"/pm/query?pmid={pm['id']}", f"/api/v1/pms/{pm['id']}"):
            started = time.monotonic()
            caller = server.api if path.startswith("/api/v1") else None
            answer = (caller("GET", path[len("/api/v1"):], timeout=10) if caller
                      else requests.get(server.url + path, timeout=10))
            assert answer.status_code == 200
            assert time.monotonic() - started < 2, f"{path} waited on the dead host"
        down = wait_for("the cut-off host is down", lambda: _pm_if(server, pm["id"], "down"),
                        INTERVAL + 3 + 3)
        assert "unreachable" in down["reason"] or "stopped answering" in down["reason"], down
        gone = api(server, "DELETE", f"/vms/{vm['id']}")
        assert gone.status_code == 202 and gone.json()["vm"]["state"] == "deleting"
        assert api(server, "GET", "/vms", params={"name": "cut-off"}).json()["vms"][0]["state"] \
            == "deleting"
    finally:
        lab.heal(host.address)
    wait_for("the healed host is up", lambda: _pm_if(server, pm["id"], "up"), 2 * INTERVAL + 10)
    wait_for("the accepted destroy completes", lambda: api(
        server, "GET", f"/vms/{vm['id']}").status_code == 404, 2 * INTERVAL + 10)
    assert _job_count(lab_ctx) == jobs_before  # no rediscovery was needed
    after = api(server, "GET", f"/pms/{pm['id']}").json()["pm"]
    assert after["vms"] == pm["vms"] - 1  # its claim is released
    assert after["allocated"]["cpu"] == pm["allocated"]["cpu"] - vm["resources"]["cpu"]
    assert vm["domain"] not in virsh_on(lab, pm["address"], "list", "--all", "--name").split()
