"""Rebalancing on the lab: three guests scattered over three hosts are consolidated onto fewer
by `vmfabric rebalance --apply`, every one still running (its console counter goes on), while
a spread batch stays spread; a drained host is emptied and takes no new VMs; a busy host
cannot be removed."""

import json
import os
import re
import subprocess
import sys

import pytest

from tests.helpers.consoles import wait_ticks
from tests.helpers.fleet import fleet_is_whole
from tests.helpers.servers import lab_server

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


def scattered(server, count):
    """COUNT VMs made one by one under worst_fit, so each is on a host of its own, with no
    placement rule tying them (unlike a spread batch)."""
    before = server.api("GET", "/policy").json()["policy"]
    assert server.api("PUT", "/policy", json={"policy": "worst_fit"}).status_code == 200
    try:
        made = [server.api("POST", "/vms", json={"name": f"scattered-{n}", "instance_type": 1})
                for n in range(count)]
    finally:
        server.api("PUT", "/policy", json={"policy": before})
    assert all(m.status_code == 201 for m in made), [m.text for m in made]
    return [m.json()["vms"][0] for m in made]


def test_a_spread_batch_stays_spread_whatever_the_plan(server, lab_ctx):
    made = server.api("POST", "/vms", json={"name": "apart", "instance_type": 1, "count": 3,
                                            "placement": "spread"})
    assert made.status_code == 201, made.text
    vms = made.json()["vms"]
    try:
        for goal in ("consolidate", "balance"):
            planned = server.api("POST", "/rebalance", json={"goal": goal, "max_moves": 1,
                                                             "threshold": {"cpu": 0.01}})
            assert planned.status_code == 200, planned.text
            assert {m["vmid"] for m in planned.json()["plan"]["moves"]} & {v["id"] for v in vms} \
                == set(), planned.json()["plan"]
        drained = server.api("POST", f"/pms/{vms[0]['pmid']}/drain", json={"dry_run": True})
        assert drained.status_code == 200, drained.text
        assert vms[0]["id"] not in {m["vmid"] for m in drained.json()["plan"]["moves"]}
    finally:
        for vm in vms:
            server.api("DELETE", f"/vms/{vm['id']}")


def test_consolidate_then_drain(server, lab, lab_ctx):
    vms = scattered(server, 3)
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
