"""`vmfabric serve` as processes: the sync runs in a worker of its own, not in a request
worker, and a sync worker that dies is replaced while requests are answered."""

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
        "sync": {"interval": 2, "heartbeat": 1, "dead_after": 3}})
    path = write_config(cfg, os.path.join(home, "vmfabric.yml"))
    srv = ServerProcess(path, free_port(), os.path.join(home, "serve.log")).start()
    store = Store(cfg["database"])
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
