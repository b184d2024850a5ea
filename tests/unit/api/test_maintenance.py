"""Host maintenance and removal through /api/v1 on test-driver hosts: a drained host takes no
new VMs until enabled; an empty host is forgotten (and leaves the inventory); a busy one is
refused naming what it holds; a dry-run plan changes nothing."""

import yaml


def test_a_host_in_maintenance_takes_no_new_vms_until_enabled(client, ctx):
    planned = client.post("/api/v1/pms/1/drain", json={"dry_run": True})
    assert planned.status_code == 200 and ctx.store.pms.get(1).maintenance is False
    drained = client.post("/api/v1/pms/1/drain", json={})
    assert drained.status_code == 202 and drained.headers["Location"].startswith("/api/v1/jobs/")
    assert client.get("/api/v1/pms/1").get_json()["pm"]["maintenance"] is True
    made = client.post("/api/v1/vms", json={"name": "newcomer", "instance_type": 1}).get_json()
    assert made["vms"][0]["pmid"] != 1
    assert client.post("/api/v1/pms/1/enable").get_json()["pm"]["maintenance"] is False


def test_an_empty_host_is_removed_and_a_busy_one_refused(client, ctx):
    vm = client.post("/api/v1/vms", json={"name": "resident", "instance_type": 1}).get_json()
    busy = vm["vms"][0]["pmid"]
    refused = client.post(f"/api/v1/pms/{busy}/remove")
    assert refused.status_code == 409
    assert "still holds 1 VM" in refused.get_json()["error"]["message"]
    empty = next(pm.id for pm in ctx.store.pms.list() if pm.id != busy)
    assert client.post(f"/api/v1/pms/{empty}/remove").status_code == 200
    assert client.get(f"/api/v1/pms/{empty}").status_code == 404
    with open(ctx.config["inventory"]["path"]) as fh:
        hosts = yaml.safe_load(fh)["all"]["children"]["hypervisors"]["hosts"]
    assert f"pm{empty}" not in hosts and f"pm{busy}" in hosts


def test_a_rebalance_dry_run_plans_without_moving(client, ctx):
    for n in range(3):
        client.post("/api/v1/vms", json={"name": f"spread-{n}", "instance_type": 1,
                                         "placement": "spread"})
    before = {vm.id: vm.pmid for vm in ctx.store.vms.list()}
    answer = client.post("/api/v1/rebalance", json={"goal": "consolidate", "dry_run": True})
    assert answer.status_code == 200
    plan = answer.get_json()["plan"]
    assert plan["goal"] == "consolidate" and plan["before"]["hosts_in_use"] >= 1
    assert {vm.id: vm.pmid for vm in ctx.store.vms.list()} == before
    member = client.post("/api/v1/rebalance", json={"goal": "nonsense"})
    assert member.status_code == 422
