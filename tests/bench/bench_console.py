"""Benchmark: a key typed into the dashboard's console until the guest's answer is back, beside
the same round trip over a raw libvirt console stream, taking turns.

A lab host of its own, a server over it (behind its nginx front), one running guest. Each
round sends `echo rNz` (written so that the answer, not the echo of what was typed, is what
is waited for) and times until the answer arrives:

  - the dashboard's way: a websocket to /ui/vms/ID/console/ws (nginx, gunicorn, the relay,
    libvirt's stream over qemu+ssh, the guest's serial port and shell);
  - raw libvirt, from this process: virDomainOpenConsole over the same qemu+ssh connection
    vmfabric uses, the same bytes sent and read.

Opening one takes the console over from the other (as `virsh console --force` does), so
each batch opens its own.

    .venv/bin/python -m tests.bench.bench_console [--rounds 20]
"""

import argparse
import statistics
import time
import urllib.parse

import libvirt
import requests
import simple_websocket

from service import naming
from service.hypervisor.connections import connection_uri
from tests.bench.labs import lab_with_server
from tests.bench.report import spread
from tests.helpers.waiting import wait_until
from vmfabric_lab.image import GUEST_MARKER

USER, PASSWORD = "bench-console", "the bench's own password"


def typed(n):
    return f"echo r$(({n} + 1000))z\r", f"r{n + 1000}z"


def through_the_dashboard(server, vmid, rounds):
    web = requests.Session()
    web.post(f"{server.url}/ui/login", data={"username": USER, "password": PASSWORD},
             allow_redirects=False).raise_for_status()
    host = urllib.parse.urlsplit(server.url).hostname
    ws = simple_websocket.Client.connect(
        server.url.replace("http://", "ws://") + f"/ui/vms/{vmid}/console/ws",
        headers={"Cookie": f"vmfabric_session={web.cookies['vmfabric_session']}",
                 "Origin": f"http://{host}"})
    try:
        took = []
        for n in range(rounds):
            line, answer = typed(n)
            started, seen = time.perf_counter(), b""
            ws.send(line)
            while answer.encode() not in seen:
                seen += ws.receive(timeout=30) or b""
            took.append(time.perf_counter() - started)
        return took
    finally:
        ws.close()


def through_raw_libvirt(conn, vmid, rounds):
    stream = conn.newStream(0)
    conn.lookupByName(naming.domain(vmid)).openConsole(None, stream,
                                                       libvirt.VIR_DOMAIN_CONSOLE_FORCE)
    try:
        took = []
        for n in range(rounds):
            line, answer = typed(n + rounds)
            started, seen = time.perf_counter(), b""
            stream.send(line.encode())
            while answer.encode() not in seen:
                seen += stream.recv(4096)
            took.append(time.perf_counter() - started)
        return took
    finally:
        stream.abort()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    with lab_with_server("console", hosts=1, policy="first_fit") as (_lab, ctx, server):
        ctx.accounts.create(USER, PASSWORD, "admin")
        made = server.api("POST", "/vms", json={"name": "typed", "instance_type": 1}).json()
        vmid = made["vms"][0]["id"]
        wait_until(lambda: GUEST_MARKER in "\n".join(
            server.api("GET", f"/vms/{vmid}/console").json()["lines"]), "the guest booted",
            timeout=120)
        time.sleep(2)  # its shell is up a moment after the marker
        pm = ctx.store.pms.list()[0]
        _, wrapper = ctx.fleet.ssh_files()
        conn = libvirt.open(connection_uri(pm, wrapper))
        ours, raw = [], []
        try:
            for _ in range(args.batches):
                ours += through_the_dashboard(server, vmid, args.rounds)
                raw += through_raw_libvirt(conn, vmid, args.rounds)
        finally:
            conn.close()
    ours_ms, raw_ms = [t * 1000 for t in ours], [t * 1000 for t in raw]
    print(f"a line typed into the dashboard's console until the guest's answer is back: "
          f"{spread(ours_ms, 'ms', '{:.1f}')}")
    print(f"the same over a raw libvirt console stream (same host, same qemu+ssh transport): "
          f"{spread(raw_ms, 'ms', '{:.1f}')}; the dashboard's way adds, median: "
          f"{statistics.median(ours_ms) - statistics.median(raw_ms):.1f} ms")


if __name__ == "__main__":
    main()
