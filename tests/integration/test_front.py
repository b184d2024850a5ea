"""The server as installed: nginx in front of gunicorn. Slow clients (headers or bodies sent a
byte at a time) hold nginx's connections, never the application's threads: other requests
are answered meanwhile. Bodies over server.max_body are refused by the front (413, short)."""

import os
import socket
import threading
import time

import pytest
import requests

from service import config as config_mod
from service import front
from tests.helpers.servers import ServerProcess, free_port, write_config

SLOW_CLIENTS = 100
SLOW_FOR = 30.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = str(tmp_path_factory.mktemp("front-home"))
    cfg = config_mod.load(home=home, overrides={"server": {"max_body": 65536}})
    path = write_config(cfg, os.path.join(home, "vmfabric.yml"))
    srv = ServerProcess(path, free_port(), os.path.join(home, "vmfabric.log")).start()
    srv.cfg = cfg
    yield srv
    srv.kill()
    assert not os.path.exists(front.run_dir(cfg)), "the front's directory was left behind"


def _slow_client(port, body, stop):
    """One connection that sends a request a byte every second until STOP is set."""
    request = (b"POST /api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n") if body else \
        b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(request)
            while not stop.is_set():
                sock.sendall(b"x")
                stop.wait(1.0)
    except OSError:
        pass  # the front may close a connection that is too slow: that is its job


def test_slow_clients_do_not_starve_the_others(server):
    stop = threading.Event()
    clients = [threading.Thread(target=_slow_client, args=(server.port, n % 2 == 0, stop),
                                daemon=True) for n in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
    worst, answered = 0.0, 0
    deadline = time.monotonic() + SLOW_FOR
    try:
        while time.monotonic() < deadline:
            started = time.monotonic()
            response = requests.get(f"{server.url}/vm/types", timeout=10)
            took = time.monotonic() - started
            assert response.status_code == 200
            worst, answered = max(worst, took), answered + 1
            time.sleep(0.5)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=10)
    assert answered >= SLOW_FOR, answered
    assert worst < 2.0, f"a request took {worst:.2f} s while {SLOW_CLIENTS} clients were slow"


def test_a_body_over_the_limit_is_refused_by_the_front_in_a_few_bytes(server):
    big = b"{" + b" " * 70000 + b"}"
    response = requests.post(f"{server.url}/api/v1/tokens", data=big,
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413
    assert len(response.content) < 300
    assert response.json()["error"]["code"] == "too_large"


def test_the_application_listens_on_its_socket_only(server):
    """gunicorn has no TCP port: only the front's is open, and it is the one given."""
    import stat

    sock = front.socket_path(server.cfg)
    assert stat.S_ISSOCK(os.stat(sock).st_mode)
    listening = open("/proc/net/tcp").read() + open("/proc/net/tcp6").read()
    assert f":{server.port:04X} " in listening
