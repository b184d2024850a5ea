"""Requests answered while slow clients hold connections: the server with its front (nginx) and
the same server without it (gunicorn alone), side by side.

Half the slow clients send their headers a byte a second, half their body; meanwhile one
client asks `GET /vm/types` every half second and records how long each answer took (10 s
at most: longer counts as unanswered).

    .venv/bin/python -m tests.bench.bench_slow_clients [--clients 100] [--seconds 30]
"""

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time

import requests

from service import config as config_mod
from tests.helpers.servers import ServerProcess, free_port, write_config
from tests.integration.test_front import _slow_client


def measure(server, clients, seconds):
    stop = threading.Event()
    threads = [threading.Thread(target=_slow_client, args=(server.port, n % 2 == 0, stop),
                                daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    took, unanswered = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            requests.get(f"{server.url}/vm/types", timeout=10).raise_for_status()
            took.append(time.monotonic() - started)
        except requests.RequestException:
            unanswered += 1
        time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    return took, unanswered


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="bench-slow-")
    try:
        for front in ("nginx", "none"):
            cfg = config_mod.load(home=os.path.join(home, front),
                                  overrides={"server": {"front": front}})
            os.makedirs(cfg["home"], exist_ok=True)
            path = write_config(cfg, os.path.join(cfg["home"], "vmfabric.yml"))
            server = ServerProcess(path, free_port(), os.path.join(cfg["home"], "log")).start()
            try:
                took, unanswered = measure(server, args.clients, args.seconds)
            finally:
                server.kill()
            shown = (f"median {statistics.median(took) * 1000:.0f} ms, worst "
                     f"{max(took) * 1000:.0f} ms" if took else "none answered")
            print(f"front {front}: {len(took)} answered ({shown}), {unanswered} not answered "
                  f"within 10 s, while {args.clients} clients were slow for {args.seconds:g} s")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
