"""Identity on a real server: logins and tokens, members kept to their own, the seed API's
modes and its cross-site guard, the audit trail, and no secret in the server's log."""

import json
import os
import subprocess
import sys

import pytest
import requests

from tests.helpers.servers import ServerProcess, admin_token, free_port, write_config

pytestmark = pytest.mark.lab
PASSWORD = "correct horse battery staple 42"


def serve(lab_ctx, name, **settings):
    home = lab_ctx.config["home"]
    path = write_config(dict(lab_ctx.config, **settings), os.path.join(home, f"{name}.yml"))
    return ServerProcess(path, free_port(), os.path.join(home, f"{name}.log"),
                         token=admin_token(lab_ctx)).start()


@pytest.fixture(scope="module")
def server(lab_ctx):
    srv = serve(lab_ctx, "identity-server")
    yield srv
    srv.kill()


def test_a_member_logs_in_and_sees_only_their_own(server, lab_ctx):
    made = server.api("POST", "/users", json={"username": "mia", "password": PASSWORD})
    assert made.status_code == 201, made.text
    wrong = requests.post(f"{server.url}/api/v1/tokens", json={"username": "mia",
                                                              "password": "not it at all"})
    assert wrong.status_code == 401 and PASSWORD not in wrong.text
    login = requests.post(f"{server.url}/api/v1/tokens", json={"username": "mia",
                                                              "password": PASSWORD})
    assert login.status_code == 201
    token = login.json()["token"]
    mine = {"Authorization": f"Bearer {token}"}
    theirs = server.api("POST", "/vms", json={"name": "admins-own", "instance_type": 1})
    ours = requests.post(f"{server.url}/api/v1/vms", headers=mine, timeout=120,
                         json={"name": "mias-own", "instance_type": 1,
                               "user_data": "#cloud-config\nwrite_files: [{path: /x, content: y}]\n"})
    assert ours.status_code == 201, ours.text
    try:
        listed = requests.get(f"{server.url}/api/v1/vms", headers=mine).json()["vms"]
        assert [vm["name"] for vm in listed] == ["mias-own"]
        other = theirs.json()["vms"][0]["id"]
        assert requests.get(f"{server.url}/api/v1/vms/{other}", headers=mine).status_code == 404
        assert requests.get(f"{server.url}/api/v1/pms", headers=mine).status_code == 403
        # the CLI takes the token from the environment
        vmfabric = os.path.join(os.path.dirname(sys.executable), "vmfabric")
        cli = subprocess.run([vmfabric, "--url", server.url, "vm", "list"], capture_output=True,
                             text=True, timeout=60, env=dict(os.environ, VMFABRIC_TOKEN=token))
        assert cli.returncode == 0 and "mias-own" in cli.stdout and "admins-own" not in cli.stdout
        events = requests.get(f"{server.url}/api/v1/events", headers=mine).json()["events"]
        assert {e["username"] for e in events} == {"mia"}
        mias_vm = [v for v in cli_json_vms(server, token) if v["name"] == "mias-own"][0]
        # the create's event names the VM it made, by its public action name
        assert any(e["action"] == "vm.create" and e["status"] == 201
                   and e["target"] == f"vm {mias_vm['id']}" for e in events)
        everyone = server.api("GET", "/events", params={"user": "admin"}).json()["events"]
        assert any(e["action"] == "user.create" and e["target"].startswith("user ")
                   for e in everyone)
        unknown = server.api("GET", "/events", params={"action": "v1.create_vms"})
        assert unknown.status_code == 422 and "vm.create" in unknown.json()["error"]["message"]
    finally:
        for response in (theirs, ours):
            server.api("DELETE", f"/vms/{response.json()['vms'][0]['id']}")
    revoke = requests.delete(f"{server.url}/api/v1/tokens/{login.json()['id']}", headers=mine)
    assert revoke.status_code == 204
    assert requests.get(f"{server.url}/api/v1/whoami", headers=mine).status_code == 401
    log = open(server.log_path).read()
    for secret in (PASSWORD, token, server.token, "PRIVATE KEY", "ed25519_private"):
        assert secret not in log, f"a secret reached the log: {secret[:12]}..."


def test_the_seed_api_is_open_by_default_but_not_cross_site(server):
    vmid = requests.get(f"{server.url}/vm/create?name=grader&instance_type=1").json()["vmid"]
    assert vmid > 0
    assert requests.get(f"{server.url}/vm/destroy?vmid={vmid}").json() == {"status": 1}
    from_a_page = requests.get(f"{server.url}/vm/create?name=csrf&instance_type=1",
                               headers={"Origin": "http://evil.example"})
    assert from_a_page.status_code == 403 and from_a_page.json() == {"vmid": 0}
    fetched = requests.get(f"{server.url}/vm/destroy?vmid=1", headers={"Sec-Fetch-Site": "cross-site"})
    assert fetched.status_code == 403 and fetched.json() == {"status": 0}


def test_the_seed_api_with_tokens_and_switched_off(lab_ctx):
    guarded = serve(lab_ctx, "seed-token", seed_api="token")
    try:
        anonymous = requests.get(f"{guarded.url}/vm/create?name=x&instance_type=1")
        assert anonymous.status_code == 401 and anonymous.json() == {"vmid": 0}
        assert requests.get(f"{guarded.url}/pm/list").status_code == 401
        listed = requests.get(f"{guarded.url}/pm/list", params={"token": guarded.token})
        assert listed.status_code == 200 and listed.json()["pmids"]
        assert guarded.token not in open(guarded.log_path).read()
    finally:
        guarded.kill()
    off = serve(lab_ctx, "seed-off", seed_api="off")
    try:
        answer = requests.get(f"{off.url}/pm/list")
        assert answer.status_code == 404 and answer.json() == 0
        assert off.api("GET", "/health").status_code == 200
    finally:
        off.kill()


def cli_json_vms(server, token):
    vmfabric = os.path.join(os.path.dirname(sys.executable), "vmfabric")
    done = subprocess.run([vmfabric, "--url", server.url, "vm", "list", "--json"],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, VMFABRIC_TOKEN=token))
    return json.loads(done.stdout)["vms"]
