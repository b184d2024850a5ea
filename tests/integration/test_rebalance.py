"""Rebalancing on the lab: three guests spread over three hosts are consolidated onto fewer by
`vmfabric rebalance --apply`, every one still running (its console counter goes on); a drained
host is emptied and takes no new VMs; a busy host cannot be removed."""

import json
import os
import re
import subprocess
import sys

import pytest

from tests.consoles import wait_ticks
from tests.conftest import fleet_is_whole, lab_server

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def server(lab_ctx):
    srv = lab_server(lab_ctx, "rebalance-server")
    yield srv
    srv.kill()


def cli(server, *args):
    vmfabric = os.path.join(os.path.dirname(sys.executable), "vmfabric")
    return subprocess.run([vmfabric, "--url", server.url, *args], capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, VMFABRIC_TOKEN=server.token))


def test_consolidate_then_drain(server, lab, lab_ctx):
    made = server.api("POST", "/vms", json={"name": "scattered", "instance_type": 1, "count": 3,
                                            "preference": "spread"})
    assert made.status_code == 201, made.text
    vms = made.json()["vms"]
    assert len({vm["pmid"] for vm in vms}) == 3
    last = {vm["id"]: wait_ticks(server, vm["id"], lambda c: len(c) >= 2)[-1] for vm in vms}

    planned = cli(server, "rebalance", "--goal", "consolidate")
    assert planned.returncode == 0, planned.stderr
    in_use = {when: int(re.search(rf"{when}: (\d+) hosts in use", planned.stdout).group(1))
              for when in ("before", "after")}
    assert in_use["after"] < in_use["before"], planned.stdout
    assert [lab_ctx.store.vms.get(vm["id"]).pmid for vm in vms] == [vm["pmid"] for vm in vms]

    applied = cli(server, "rebalance", "--goal", "consolidate", "--apply", "--json")
    assert applied.returncode == 0, applied.stderr
    job = json.loads(applied.stdout)
    assert job["state"] == "succeeded" and len(job["result"]["done"]) >= 2
    now = {vm["id"]: server.api("GET", f"/vms/{vm['id']}").json()["vm"] for vm in vms}
    assert len({vm["pmid"] for vm in now.values()}) == 1
    assert all(vm["state"] == "running" for vm in now.values())
    for vmid, before in last.items():  # live: each counter went on, none restarted
        counted = wait_ticks(server, vmid, lambda c, b=before: c[-1] > b + 1)
        assert counted == sorted(counted)
    assert fleet_is_whole(lab_ctx.store, lab) == []

    # drain the host that holds them all: they go elsewhere, it takes nothing new
    busy = next(iter(now.values()))["pmid"]
    refused = cli(server, "pm", "remove", str(busy))
    assert refused.returncode != 0 and "drain it first" in refused.stderr
    drained = cli(server, "pm", "drain", str(busy), "--json")
    assert drained.returncode == 0, drained.stderr
    assert lab_ctx.store.pms.get(busy).vm_count == 0 and lab_ctx.store.pms.get(busy).maintenance
    extra = server.api("POST", "/vms", json={"name": "latecomer", "instance_type": 1}).json()
    assert extra["vms"][0]["pmid"] != busy
    assert cli(server, "pm", "enable", str(busy)).returncode == 0
    assert not lab_ctx.store.pms.get(busy).maintenance
    for vm in vms + extra["vms"]:
        assert server.api("DELETE", f"/vms/{vm['id']}").status_code == 204
    assert fleet_is_whole(lab_ctx.store, lab) == []
