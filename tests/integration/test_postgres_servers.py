"""Two API servers on one PostgreSQL, on a lab of their own: concurrent creates sent to both at
once (more than fit) never overcommit a host, hand out an address twice or pass a quota; one
discovery runs at a time across them, and one sync loop."""

import collections
import concurrent.futures
import os
import time

import pytest

from tests.helpers.servers import ServerProcess, admin_token, free_port, write_config
from tests.helpers.fleet import fleet_is_whole

pytestmark = pytest.mark.lab
PASSWORD = "two servers one database 7"


@pytest.fixture(scope="module")
def servers(pg_lab_ctx):
    ctx = pg_lab_ctx
    home = ctx.config["home"]
    config = dict(ctx.config, sync=dict(ctx.config["sync"], interval=2, heartbeat=1, dead_after=5))
    path = write_config(config, os.path.join(home, "two-servers.yml"))
    token = admin_token(ctx)
    pair = [ServerProcess(path, free_port(), os.path.join(home, f"server-{n}.log"),
                          token=token).start() for n in (1, 2)]
    yield pair
    for server in pair:
        server.kill()


def create_on_both(servers, count, headers=None):
    """COUNT creates at once, alternating between the servers; their status codes."""
    def one(n):
        server = servers[n % 2]
        body = {"name": f"crowd-{n}", "instance_type": 1}
        if headers is None:
            return server.api("POST", "/vms", json=body, timeout=300)
        import requests

        return requests.post(f"{server.url}/api/v1/vms", json=body, headers=headers, timeout=300)
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def free_cpu(ctx):
    return sum(pm.cpu - pm.used_cpu for pm in ctx.store.pms.list())


def destroy_all(servers, ctx):
    for vm in ctx.store.vms.list():
        if vm.state != "failed":
            servers[vm.id % 2].api("DELETE", f"/vms/{vm.id}", timeout=120)


def test_concurrent_creates_on_two_servers_never_overcommit(servers, pg_lab, pg_lab_ctx):
    ctx = pg_lab_ctx
    room = free_cpu(ctx)  # type 1: a CPU each (RAM and disk are plenty)
    answers = create_on_both(servers, room + 6)
    codes = collections.Counter(a.status_code for a in answers)
    assert codes == {201: room, 409: 6}, codes
    for pm in ctx.store.pms.list():
        assert pm.used_cpu <= pm.cpu and pm.used_ram_mb <= pm.ram_mb
    ips = [a["ip"] for r in answers if r.status_code == 201 for a in r.json()["vms"][0]["addresses"]]
    assert len(ips) == room and len(set(ips)) == room, "an address was handed out twice"
    assert fleet_is_whole(ctx.store, pg_lab) == []
    destroy_all(servers, ctx)
    assert free_cpu(ctx) == room


def test_a_quota_holds_across_servers(servers, pg_lab, pg_lab_ctx):
    import requests

    made = servers[0].api("POST", "/users", json={"username": "quinn", "password": PASSWORD})
    assert made.status_code == 201, made.text
    assert servers[1].api("PUT", "/users/quinn/quota", json={"cpu": 2}).status_code == 200
    login = requests.post(f"{servers[1].url}/api/v1/tokens",
                          json={"username": "quinn", "password": PASSWORD}).json()
    answers = create_on_both(servers, 6, headers={"Authorization": f"Bearer {login['token']}"})
    codes = collections.Counter(a.status_code for a in answers)
    assert codes == {201: 2, 409: 4}, codes
    assert all("over quota" in a.json()["error"]["message"] for a in answers
               if a.status_code == 409)
    destroy_all(servers, pg_lab_ctx)


def test_one_discovery_and_one_sync_loop_across_servers(servers, pg_lab_ctx):
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda s: s.api("POST", "/pms/discover", json={}), servers))
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["job"]["id"] == answers[1].json()["job"]["id"]  # one job, both told
    # the sync lease: one holder among the four live server processes, kept
    live = {row[0] for row in pg_lab_ctx.store.processes.live(5)}
    holders = set()
    for _ in range(10):
        holders.add(pg_lab_ctx.store.leases.holder("sync"))
        time.sleep(0.5)
    assert len(holders) == 1 and holders <= live and len(live) >= 4, (holders, live)
    job = answers[0].json()["job"]
    deadline = time.monotonic() + 120
    while servers[1].api("GET", f"/jobs/{job['id']}").json()["job"]["state"] in ("queued",
                                                                                 "running"):
        assert time.monotonic() < deadline
        time.sleep(0.5)
