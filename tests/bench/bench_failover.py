"""Benchmark: failover of an `ha` guest across fault trials, and its time to answer again.

A lab of its own with 2 hosts in one storage group (the lab's storage host), each with its
BMC; a context with the server's sync running (interval 1 s, ha.grace 5 s). One `ha` guest
writes a counter to its shared disk. Each trial faults the host it runs on, in turn:

- link: its network cut (the host and the guest run on, unseen);
- libvirtd: its libvirtd killed (the guest's QEMU runs on);
- power: its power cut through its BMC (everything on it gone);
- bmc: its BMC stopped and its link cut (it cannot be fenced).

For the first three it measures the time from the fault to the guest answering SSH on the
other host (with its host key, verified) and checks the counter goes on from the last value
written; then powers the old host on and waits until its stale definition is gone. For
`bmc` it checks the host is reported unfenceable and the guest is left where it is. All the
while a watcher reads every 0.2 s which of the lab's hosts runs a QEMU process of the guest
(by network namespace): two at once is a split brain, counted.

    .venv/bin/python -m tests.bench.bench_failover --trials 20
"""

import argparse
import os
import pathlib
import tempfile
import time

from service.sync.loop import SyncLoop
from tests.bench.report import spread
from tests.helpers.shared import Watcher, storage_group_context
from tests.helpers.waiting import wait_until
from tests.integration.test_bmc import booting, ipmi
from tests.integration.test_ha import counter, domains, guest_ssh, start_counter
from vmfabric_lab import image as guest_image
from vmfabric_lab import netns
from vmfabric_lab.lab import Lab

KINDS = ("link", "libvirtd", "power", "bmc")


def recover_host(lab_dir, ctx, index, vm):
    """Host INDEX powered on (and healed) until the sync sees it up, with no copy of VM."""
    lab = Lab(lab_dir)
    if ctx.store.vms.get(vm.id).pmid == index:  # (not fenced: its link first, its BMC after,
        # or a failover retried as the BMC comes back would fence it before it is seen up)
        netns.set_link(lab.state.names.veth(index), up=True)
        wait_until(lambda: ctx.store.pms.get(index).state == "up", "the host up", 90, every=0.5)
    if "is off" in ipmi(lab, "chassis", "power", "status", host=f"h{index}").stdout:
        ipmi(lab, "chassis", "power", "on", host=f"h{index}")
        wait_until(lambda: not booting(lab_dir), "the boot finished", timeout=90)
    Lab(lab_dir).heal(f"h{index}")
    wait_until(lambda: ctx.store.pms.get(index).state == "up", "the host up", 90, every=0.5)
    lab = Lab(lab_dir)
    if ctx.store.vms.get(vm.id).pmid != index:
        wait_until(lambda: vm.domain not in domains(lab, lab.state.hosts[index - 1]),
                   "the stale definition gone", 60, every=0.5)


def trial(lab_dir, ctx, vm, ip, kind):
    """One fault of KIND on the guest's host; (seconds until it answered again or None,
    restarted, counter kept)."""
    lab = Lab(lab_dir)
    host = ctx.store.vms.get(vm.id).pmid
    before = counter(ctx, ip)
    started = time.monotonic()
    if kind == "power":
        ipmi(lab, "chassis", "power", "off", host=f"h{host}")
    elif kind == "bmc":
        lab.fail(f"h{host}", "bmc")
        lab.fail(f"h{host}", "link")
    else:
        lab.fail(f"h{host}", kind)
    if kind == "bmc":
        wait_until(lambda: (ctx.store.pms.get(host).fence or {}).get("state") == "unfenceable"
                   and ctx.store.pms.get(host).fence["at"] > time.time() - 30,
                   "reported unfenceable", 90, every=0.5)
        stayed = ctx.store.vms.get(vm.id).pmid == host
        recover_host(lab_dir, ctx, host, vm)
        return None, not stayed, (counter(ctx, ip) or 0) > before
    wait_until(lambda: ctx.store.vms.get(vm.id).pmid != host
               and ctx.store.vms.get(vm.id).state == "running", "restarted", 120, every=0.2)
    wait_until(lambda: guest_ssh(ctx, ip, "true", timeout=10).returncode == 0, "SSH", 120,
               every=0.2)
    took = time.monotonic() - started
    resumed = counter(ctx, ip)
    start_counter(ctx, ip)
    wait_until(lambda: counter(ctx, ip) > resumed, "counting on", 30)
    recover_host(lab_dir, ctx, host, vm)
    return took, True, resumed is not None and resumed >= before


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--kinds", default=",".join(KINDS), help="the faults, in turn")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    lab_dir = os.path.join(tempfile.gettempdir(), "vmfabric-bench-failover")
    Lab(lab_dir).down(purge=True)
    lab = Lab(lab_dir)
    lab.up(hosts=2)
    home = pathlib.Path(tempfile.mkdtemp(prefix="bench-failover-"))
    ctx = storage_group_context(lab, guest_image.build(), home,
                                ha={"grace": 5, "fence_confirm": 30},
                                sync={"interval": 1, "heartbeat": 1, "dead_after": 4,
                                      "host_timeout": 3})
    loop = SyncLoop(ctx.config, ctx.sync_services()).start()
    try:
        vm = ctx.compute.create("counter", 1, ha=True)[0]
        ip = ctx.store.addresses.of_vm(vm.id)[0].ip
        wait_until(lambda: guest_ssh(ctx, ip, "true").returncode == 0, "SSH", 90)
        start_counter(ctx, ip)
        watcher = Watcher(lab, vm.domain)
        watcher.thread.start()
        times, results = {k: [] for k in KINDS}, []
        for number in range(args.trials):
            kind = kinds[number % len(kinds)]
            took, moved, kept = trial(lab_dir, ctx, vm, ip, kind)
            results.append((kind, moved, kept))
            if took is not None:
                times[kind].append(took)
            print(f"trial {number + 1:2d} {kind:8s} "
                  f"{'restarted' if moved else 'left in place'}, counter kept: {kept}"
                  + (f", answering after {took:.1f} s" if took is not None else ""), flush=True)
        watcher.stop.set()
        print(f"\n{args.trials} trials; ha.grace 5 s; most hosts running the guest at once: "
              f"{watcher.most} (1 = never two)")
        print(f"counter kept in every trial: {all(kept for _, _, kept in results)}")
        for kind in KINDS[:3]:
            if times[kind]:
                print(f"{kind:8s} fault to SSH answering on the other host: "
                      f"{spread(times[kind], 's')}")
        left = [moved for kind, moved, _ in results if kind == "bmc"]
        print(f"bmc      unreachable BMC: left in place {left.count(False)} of {len(left)}")
    finally:
        loop.stop()
        ctx.close()
        Lab(lab_dir).down(purge=True)


if __name__ == "__main__":
    main()
