"""The real HTTP server (gunicorn) on the lab: seed calls end to end, concurrency, SIGKILL
recovery, rediscovery as a job."""

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import time

import jsonschema
import pytest
import requests

from service.api.v1.openapi import BASE as DOCUMENT
from tests.helpers.servers import ServerProcess, admin_token, free_port, write_config
from tests.helpers.fleet import vmf_objects

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def server(lab, lab_ctx, tmp_path_factory):
    """A server over lab_ctx's store (hosts, image and types already registered)."""
    home = lab_ctx.config["home"]
    path = write_config(lab_ctx.config, os.path.join(home, "server.yml"))
    srv = ServerProcess(path, free_port(), os.path.join(home, "server.log"),
                        token=admin_token(lab_ctx)).start()
    yield srv
    srv.kill()


def get(server, url):
    response = requests.get(server.url + url, timeout=300)
    assert response.status_code == 200
    return response.json()


def test_each_type_end_to_end(server):
    types = get(server, "/vm/types")["types"]
    for itype in types:
        before = {p: get(server, f"/pm/query?pmid={p}") for p in get(server, "/pm/list")["pmids"]}
        vmid = get(server, f"/vm/create?name=e2e-{itype['tid']}&instance_type={itype['tid']}")["vmid"]
        assert vmid > 0
        vm = get(server, f"/vm/query?vmid={vmid}")
        assert vm["instance_type"] == itype["tid"] and vm["name"] == f"e2e-{itype['tid']}"
        pmid = vm["pmid"]
        assert vmid in get(server, f"/pm/listvms?pmid={pmid}")["vmids"]
        after = get(server, f"/pm/query?pmid={pmid}")
        for key in ("cpu", "ram", "disk"):
            assert before[pmid]["free"][key] - after["free"][key] == itype[key]
        assert after["vms"] == before[pmid]["vms"] + 1
        assert get(server, f"/vm/destroy?vmid={vmid}") == {"status": 1}
        assert get(server, f"/pm/query?pmid={pmid}")["free"] == before[pmid]["free"]
        assert get(server, f"/vm/query?vmid={vmid}") == 0


def test_thirty_concurrent_creates_with_room_for_six(server, lab_ctx):
    # each lab host advertises 8 CPUs: type 3 (4 CPUs) fits twice per host
    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        results = list(pool.map(lambda n: get(server, f"/vm/create?name=c{n}&instance_type=3"),
                                range(30)))
    vmids = [r["vmid"] for r in results]
    created = [v for v in vmids if v > 0]
    try:
        assert len(created) == 6 and vmids.count(0) == 24
        for pm in lab_ctx.store.pms.list():
            assert pm.used.fits_in(pm.capacity)
    finally:
        for vmid in created:
            assert get(server, f"/vm/destroy?vmid={vmid}") == {"status": 1}


def test_sigkill_during_creates_loses_nothing(server, lab, lab_ctx):
    reported = []

    def create(n):
        try:
            vmid = requests.get(f"{server.url}/vm/create?name=k{n}&instance_type=1",
                                timeout=120).json()["vmid"]
            if vmid:
                reported.append(vmid)
        except requests.RequestException:
            pass

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(create, n) for n in range(6)]
        time.sleep(1.5)
        server.kill(signal.SIGKILL)
        concurrent.futures.wait(futures)
    server.start()  # its start-up takes over what the killed workers left
    try:
        for vmid in reported:
            vm = get(server, f"/vm/query?vmid={vmid}")
            assert vm != 0 and vm["vmid"] == vmid
        vms = lab_ctx.store.vms.list()
        assert not [vm.id for vm in vms if vm.state in ("creating", "deleting")]
        live = {vm.id: vm for vm in vms if vm.state != "failed"}
        pms = {pm.address: pm for pm in lab_ctx.store.pms.list()}
        for address, names in vmf_objects(lab).items():
            for name in names:
                vmid = int(name.split("-")[1].split(".")[0])
                assert vmid in live and live[vmid].pmid == pms[address].id, \
                    f"{name} on {address} is unknown to the store"
        for pm in pms.values():  # every claim belongs to a VM that exists
            held = [vm for vm in live.values() if vm.pmid == pm.id]
            assert pm.used_cpu == sum(vm.cpu for vm in held) and pm.vm_count == len(held)
    finally:
        for vm in lab_ctx.store.vms.list():
            if vm.state != "failed":
                get(server, f"/vm/destroy?vmid={vm.id}")


def test_rediscovery_is_a_job_to_poll(server, lab_ctx):
    response = server.api("POST", "/pms/discover", json={}, timeout=60)
    assert response.status_code == 202
    job = response.json()["job"]
    assert response.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert job["kind"] == "discover" and job["state"] in ("queued", "running")
    deadline = time.monotonic() + 120
    while job["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = server.api("GET", response.headers["Location"][len("/api/v1"):],
                         timeout=60).json()["job"]
    assert job["state"] == "succeeded", job
    jsonschema.validate({"job": job}, dict(DOCUMENT["components"]["schemas"]["JobOne"],
                                           components=DOCUMENT["components"]))
    pmids = sorted(pm.id for pm in lab_ctx.store.pms.list())
    assert sorted(pm["id"] for pm in job["result"]["pms"]) == pmids
    assert {pm["state"] for pm in job["result"]["pms"]} == {"up"}
    assert job["finished_at"] >= job["created_at"]

    # the CLI starts the same job for one host and waits for it
    vmfabric = os.path.join(os.path.dirname(sys.executable), "vmfabric")
    cli = subprocess.run([vmfabric, "--url", server.url, "--token", server.token, "pm",
                          "discover", str(pmids[0]), "--json"],
                         capture_output=True, text=True, timeout=180)
    assert cli.returncode == 0, cli.stderr
    out = json.loads(cli.stdout)
    assert out["job"]["state"] == "succeeded" and out["job"]["params"] == {"pmids": [pmids[0]]}
    assert [pm["id"] for pm in out["job"]["result"]["pms"]] == [pmids[0]]

    missing = server.api("POST", "/pms/discover", json={"pmids": [9999]}, timeout=60)
    assert missing.status_code == 404 and "9999" in missing.json()["error"]["message"]


def test_long_names_get_the_seed_answer_not_the_http_servers(server):
    long_name = "a" * 4000
    vmid = get(server, f"/vm/create?name={long_name}&instance_type=1")["vmid"]
    assert vmid > 0
    try:
        assert get(server, f"/vm/query?vmid={vmid}")["name"] == long_name
    finally:
        assert get(server, f"/vm/destroy?vmid={vmid}") == {"status": 1}
    assert get(server, "/vm/create?name=" + "b" * 9000 + "&instance_type=1") == {"vmid": 0}
    assert get(server, "/vm/query?vmid=" + "9" * 9000) == 0
