"""`vmfabric serve` as processes: the sync runs in a worker of its own, not in a request
worker, and a sync worker that dies is replaced while requests are answered; every request
worker's latency figures meet in one scrape, on /metrics and on the loopback listener."""

import os
import signal

import pytest
import requests

from service import config as config_mod
from service.store import Store
from tests.helpers.servers import ServerProcess, free_port, write_config
from tests.helpers.waiting import wait_until
from vmfabric_lab.daemons import parent_pid


def holds_the_listening_socket(pid, port):
    """Whether PID has the socket listening on PORT open (as every request worker has)."""
    listening = set()
    with open("/proc/net/tcp") as fh:
        for line in fh.readlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                listening.add(f"socket:[{fields[9]}]")
    assert listening, f"nothing listens on {port}"
    fds = f"/proc/{pid}/fd"
    return any(os.readlink(os.path.join(fds, fd)) in listening for fd in os.listdir(fds))


@pytest.fixture
def server(tmp_path):
    home = str(tmp_path)
    cfg = config_mod.load(home=home, overrides={
        "server": {"front": "none"},
        "inventory": {"path": os.path.join(home, "inventory", "hosts.yml")},
        "sync": {"interval": 2, "heartbeat": 1, "dead_after": 3},
        "telemetry": {"listen": f"127.0.0.1:{free_port()}"}})
    path = write_config(cfg, os.path.join(home, "vmfabric.yml"))
    srv = ServerProcess(path, free_port(), os.path.join(home, "serve.log")).start()
    store = Store(cfg["database"])
    srv.listen = cfg["telemetry"]["listen"]
    try:
        yield srv, store
    finally:
        srv.kill()
        store.dispose()


def sync_worker(store):
    """The pid of the process holding the sync lease, when one does."""
    holder = store.leases.holder("sync")
    pids = {process_id: pid for process_id, _host, pid in store.processes.live(3)}
    return pids.get(holder)


def test_the_sync_runs_in_its_own_worker_which_is_replaced_when_it_dies(server):
    srv, store = server
    first = wait_until(lambda: sync_worker(store), "a process holding the sync lease", 30, 0.2)
    # a child of the supervisor, and not a request worker: it has no socket to take requests on
    assert parent_pid(first) == srv.proc.pid
    assert not holds_the_listening_socket(first, srv.port)
    os.kill(first, signal.SIGKILL)
    second = wait_until(lambda: (pid := sync_worker(store)) not in (None, first) and pid,
                        "a new sync worker holding the lease", 60, 0.2)
    assert parent_pid(second) == srv.proc.pid
    assert not holds_the_listening_socket(second, srv.port)
    assert requests.get(srv.url + "/api/v1/health", timeout=5).status_code == 200


def latency_count(text, endpoint):
    from prometheus_client.parser import text_string_to_metric_families

    return sum(sample.value for family in text_string_to_metric_families(text)
               for sample in family.samples
               if sample.name == "vmfabric_http_request_duration_seconds_count"
               and sample.labels.get("endpoint") == endpoint)


def test_every_workers_requests_are_counted_in_one_scrape(server):
    srv, store = server
    served_by = set()
    session = requests.Session()
    for _ in range(40):  # new connections: gunicorn hands them to either worker
        session.close()
        session.get(f"{srv.url}/api/v1/health", timeout=10).raise_for_status()
    for line in open(srv.log_path):
        if "Booting worker with pid" in line:
            served_by.add(line.rsplit(" ", 1)[1].strip())
    assert len(served_by) >= 2  # (two request workers, the fixture's default)
    from service.identity.tokens import Tokens

    admin = store.users.create("scraper", "", "admin")
    token, _ = Tokens(store).issue(admin, "scrape", 600)
    scraped = requests.get(f"{srv.url}/metrics", timeout=10,
                           headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200
    assert latency_count(scraped.text, "v1.health") >= 40
    # the same, without a token, on the loopback listener of the sync worker
    plain = wait_until(lambda: _get(f"http://{srv.listen}/metrics"), "the loopback listener", 30)
    assert latency_count(plain, "v1.health") >= 40 and "vmfabric_jobs" in plain


def _get(url):
    try:
        answer = requests.get(url, timeout=5)
    except OSError:
        return None
    return answer.text if answer.status_code == 200 else None
