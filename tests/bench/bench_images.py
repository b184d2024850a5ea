"""Benchmark: bringing a 1 GiB image to the server, beside copying the same bytes by hand.

A server (behind its nginx front, as installed) over a store of its own, and in the same
run, on the same file:

  - upload: `vmfabric image add FILE` (the body streamed through nginx to the server, which
    hashes it and writes it to disk, then inspects it) until it answers that the image is
    active; the reference is `cp FILE` to the same disk, `cp` then `sync` (the server's copy
    is on disk, fsync'd, when it answers), and those then `sha256sum` (the server checksums
    every image);
  - import: POST /images with a URL on a loopback HTTP server until its job has succeeded;
    the reference is `curl -o` of the same URL from the same server (and `curl` then `sync`).

Every step starts with the disk's dirty pages written (sync), so no step pays for another's.

Each is run RUNS times; the figure is each one's median time and throughput, and the ratio
of our throughput to the reference's (the goal is at least 0.8).

    .venv/bin/python -m tests.bench.bench_images --size-mb 1024 --runs 3 [--dir /dev/shm]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from service import config as config_mod
from service import context as context_mod
from tests.bench.report import spread
from tests.helpers.file_server import serving
from tests.helpers.servers import ServerProcess, admin_token, free_port, write_config

FRONT = os.environ.get("BENCH_FRONT", "nginx")
VMFABRIC = os.path.join(os.path.dirname(sys.executable), "vmfabric")


def make_image(path, size_mb):
    if os.path.exists(path) and os.path.getsize(path) == size_mb << 20:
        return path
    with open(path, "wb") as fh:
        for _ in range(size_mb):
            fh.write(os.urandom(1 << 20))
    return path


def settled():
    """No dirty pages of an earlier step left to slow this one down."""
    os.sync()


def timed(command):
    settled()
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - started


def start_server(home):
    cfg = config_mod.load(home=home, overrides={
        "images": {"import_networks": ["127.0.0.1/32"]}, "telemetry": {"enabled": False}, "server": {"front": FRONT},
        "inventory": {"path": os.path.join(home, "inventory", "hosts.yml")}})
    ctx = context_mod.build(cfg)
    token = admin_token(ctx)
    ctx.close()
    server = ServerProcess(write_config(cfg, os.path.join(home, "bench.yml")), free_port(),
                           os.path.join(home, "bench.log"), workers=None, token=token)
    return server.start()


def upload(server, path, n):
    settled()
    started = time.perf_counter()
    done = subprocess.run([VMFABRIC, "--url", server.url, "--token", server.token, "image",
                           "add", path, "--name", f"up-{n}", "--json"],
                          capture_output=True, text=True, timeout=1800)
    took = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    return took


def import_url(server, url, n):
    settled()
    started = time.perf_counter()
    answer = server.api("POST", "/images", json={"name": f"in-{n}", "url": url})
    assert answer.status_code == 202, answer.text
    job = answer.json()["job"]
    while job["state"] not in ("succeeded", "failed"):
        time.sleep(0.05)
        job = server.api("GET", f"/jobs/{job['id']}").json()["job"]
    assert job["state"] == "succeeded", job["error"]
    return time.perf_counter() - started


def forget(server):
    for image in server.api("GET", "/images").json()["images"]:
        server.api("DELETE", f"/images/{image['id']}")


def line(label, times, size_mb):
    rates = [size_mb / t for t in times]
    return f"{label:36} {spread(times, 's')}; {statistics.median(rates):.0f} MB/s"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default="/var/tmp",
                        help="Where the server's home and the references' copies are (a "
                             "tmpfs such as /dev/shm takes the disk out of the figures).")
    args = parser.parse_args()
    work = os.path.join("/var/tmp", "bench-images")
    os.makedirs(work, exist_ok=True)
    source = make_image(os.path.join(work, "source.raw"), args.size_mb)
    home = tempfile.mkdtemp(prefix="bench-images-", dir=args.dir)
    server = start_server(home)
    copy = os.path.join(home, "copy.raw")
    times = {k: [] for k in ("cp", "cp+sync", "cp+sha256sum", "upload", "curl", "curl+sync",
                             "import")}
    try:
        with serving(work) as base:
            url = f"{base}/source.raw"
            for n in range(args.runs):
                times["cp"].append(timed(["cp", source, copy]))
                os.unlink(copy)
                times["cp+sync"].append(timed(["sh", "-c", f"cp {source} {copy} && sync {copy}"]))
                os.unlink(copy)
                times["cp+sha256sum"].append(timed(["sh", "-c", f"cp {source} {copy} && sync "
                                                                f"{copy} && sha256sum {copy}"]))
                os.unlink(copy)
                times["upload"].append(upload(server, source, n))
                times["curl"].append(timed(["curl", "-sf", "-o", copy, url]))
                os.unlink(copy)
                times["curl+sync"].append(timed(["sh", "-c", f"curl -sf -o {copy} {url} && "
                                                             f"sync {copy}"]))
                os.unlink(copy)
                times["import"].append(import_url(server, url, n))
                forget(server)
    finally:
        server.kill()
        shutil.rmtree(home, ignore_errors=True)
    size = args.size_mb
    print(f"a {size} MiB image, {args.runs} runs each, written under {args.dir}:")
    for label, key in (("cp (reference)", "cp"), ("cp + sync (reference)", "cp+sync"),
                       ("cp + sync + sha256sum (reference)", "cp+sha256sum"),
                       ("vmfabric image add FILE", "upload"), ("curl -o URL (reference)", "curl"),
                       ("curl -o URL + sync (reference)", "curl+sync"),
                       ("POST /images {url} until active", "import")):
        print(line(label, times[key], size))
    ratio = {k: statistics.median(times[k]) for k in times}
    print(f"upload: {ratio['cp'] / ratio['upload']:.2f}x the throughput of cp, "
          f"{ratio['cp+sync'] / ratio['upload']:.2f}x of cp + sync, "
          f"{ratio['cp+sha256sum'] / ratio['upload']:.2f}x of cp + sync + sha256sum; import: "
          f"{ratio['curl'] / ratio['import']:.2f}x of curl, "
          f"{ratio['curl+sync'] / ratio['import']:.2f}x of curl + sync (goal >= 0.8)")


if __name__ == "__main__":
    main()
