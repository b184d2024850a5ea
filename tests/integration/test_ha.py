"""High availability on a lab of its own (it fences hosts): two hosts in one storage group on
the lab's storage host, each with its BMC, and a server's sync running as it does in a
server (grace 5 s).

A guest writes a counter to its disk on shared storage. Its host's link is cut: the sync
finds it down, fences it through its BMC (power read back off), cuts its storage access and
restarts the guest on the other host, with its address and SSH host key, and its counter
goes on from the last value written. The old host, powered on again, never starts it: its
stale definition is removed. A host whose BMC does not answer is not fenced, and its VM is
left where it is, reported. The guest then migrates live moving its memory only, and its
disk grows while it is off.
"""

import os
import re
import subprocess

import pytest

from service.errors import Conflict
from service.sync.loop import SyncLoop
from tests.helpers.fleet import host_ssh
from tests.helpers.shared import GROUP, Watcher, storage_group_context
from tests.helpers.waiting import wait_until
from tests.integration.test_bmc import booting, ipmi
from vmfabric_lab import daemons, netns
from vmfabric_lab.lab import Lab

pytestmark = pytest.mark.lab
# the counter's block on the guest's disk: past the image's filesystem (its first 20 MB)
COUNTER_MB = 900
COUNTER = (f"n=$(dd if=/dev/vda bs=1M skip={COUNTER_MB} count=1 2>/dev/null | head -c 32 | "
           "sed -n 's/^tick \\([0-9]*\\).*/\\1/p'); n=${n:-0}; "
           "while :; do n=$((n+1)); printf 'tick %d\\n' $n | "
           f"dd of=/dev/vda bs=1M seek={COUNTER_MB} conv=notrunc,fsync; sleep 0.2; done\n")

READ = f"dd if=/dev/vda bs=1M skip={COUNTER_MB} count=1 2>/dev/null | head -c 32"


@pytest.fixture(scope="module")
def lab_dir(run_dir):
    path = os.path.join(run_dir, "lab-ha")
    Lab(path).up(hosts=2)
    yield path
    Lab(path).down(purge=True)


@pytest.fixture(scope="module")
def ctx(lab_dir, guest_image, tmp_path_factory):
    """A server's context on the HA lab (its hosts in storage group GROUP) and its sync."""
    made = storage_group_context(Lab(lab_dir), guest_image, tmp_path_factory.mktemp("ha-home"),
                                 ha={"grace": 5, "fence_confirm": 30},
                                 sync={"interval": 1, "heartbeat": 1, "dead_after": 4,
                                       "host_timeout": 3})
    loop = SyncLoop(made.config, made.sync_services()).start()
    yield made
    loop.stop()
    for vm in made.store.vms.list():
        made.compute.destroy(vm.id)
    made.close()


def guest_ssh(ctx, ip, command, timeout=30, given=""):
    """COMMAND in the guest at IP, its host key verified against the one vmfabric made."""
    return subprocess.run(["ssh", "-F", ctx.guest_access.ssh_config, "-o", "ConnectTimeout=5",
                           f"root@{ip}", command], capture_output=True, text=True,
                          timeout=timeout, input=given)


def start_counter(ctx, ip):
    """The counter, started in the guest: it goes on from the value on its disk."""
    done = guest_ssh(ctx, ip, "cat > /run/counter.sh && (setsid sh /run/counter.sh </dev/null "
                              ">/dev/null 2>/run/counter.err &) && sleep 1 && cat /run/counter.err"
                              " && " + READ, given=COUNTER)
    assert done.returncode == 0 and "tick" in done.stdout, (done.stdout, done.stderr)


def counter(ctx, ip):
    out = guest_ssh(ctx, ip, READ).stdout
    found = re.match(r"tick (\d+)", out)
    return int(found.group(1)) if found else None


def last_failover(ctx):
    return next(j for j in ctx.store.jobs.recent(50) if j["kind"] == "failover")


def domains(lab, host):
    return set(daemons.in_host(host.pids["anchor"], [
        "virsh", "-q", "-c", "qemu:///system", "list", "--all", "--name"]).split())


def test_an_ha_guest_counts_on_after_its_host_fails_and_its_old_host_never_starts_it(
        lab_dir, ctx):
    lab = Lab(lab_dir)
    vm = ctx.compute.create("counter", 1, ha=True)[0]
    assert (vm.storage, vm.ha, vm.pmid) == (GROUP, True, 1)
    ip = ctx.store.addresses.of_vm(vm.id)[0].ip
    wait_until(lambda: guest_ssh(ctx, ip, "true").returncode == 0, "the guest's SSH", 90)
    start_counter(ctx, ip)
    wait_until(lambda: (counter(ctx, ip) or 0) >= 5, "the counter counting", 30)
    watcher = Watcher(lab, vm.domain)  # which hosts run the guest's QEMU, every 0.2 s
    watcher.thread.start()

    lab.fail("h1", "link")
    wait_until(lambda: ctx.store.vms.get(vm.id).pmid == 2
               and ctx.store.vms.get(vm.id).state == "running", "the guest restarted on h2",
               timeout=120, every=1)
    pm1 = ctx.store.pms.get(1)
    assert pm1.fence["state"] == "fenced", pm1.fence
    assert "Chassis Power is off" in ipmi(lab, "chassis", "power", "status").stdout
    job = last_failover(ctx)
    assert job["state"] == "succeeded" and job["result"]["restarted"] == [
        {"vmid": vm.id, "pmid": 2}], job
    # the same guest: its address, and the host key vmfabric made for it (verified by ssh)
    wait_until(lambda: guest_ssh(ctx, ip, "true").returncode == 0, "the guest's SSH on h2", 90)
    resumed = counter(ctx, ip)
    assert resumed is not None and resumed >= 5
    start_counter(ctx, ip)
    wait_until(lambda: counter(ctx, ip) > resumed + 3, "the counter going on", 30)
    events = ctx.store.events.list(action="vm.failover")
    assert any("restarted on pm 2" in e["outcome"] for e in events), events

    # the old host powered on again: its stale definition goes, nothing of it starts
    assert ipmi(lab, "chassis", "power", "on").returncode == 0
    wait_until(lambda: not booting(lab_dir), "h1's boot finished", timeout=60)
    lab = Lab(lab_dir)
    wait_until(lambda: ctx.store.pms.get(1).state == "up", "h1 up again", 60, every=1)
    wait_until(lambda: vm.domain not in domains(lab, lab.state.hosts[0]),
               "the stale definition removed from h1", 30, every=1)
    assert vm.domain in domains(lab, lab.state.hosts[1])
    assert counter(ctx, ip) > resumed + 3
    watcher.stop.set()
    assert watcher.running_on() == {2} and watcher.most == 1  # never on two hosts at once


def test_a_host_whose_bmc_does_not_answer_is_not_fenced_and_its_vm_stays(lab_dir, ctx):
    lab = Lab(lab_dir)
    vm = next(v for v in ctx.store.vms.list() if v.ha) if ctx.store.vms.list() else \
        ctx.compute.create("stays", 1, ha=True)[0]
    host = lab.state.hosts[vm.pmid - 1]
    before = len(ctx.store.events.list(action="vm.failover"))
    lab.fail(f"h{host.index}", "bmc")
    lab.fail(f"h{host.index}", "link")
    try:
        wait_until(lambda: (ctx.store.pms.get(vm.pmid).fence or {}).get("state") ==
                   "unfenceable", "the host reported unfenceable", 90, every=1)
        assert ctx.store.vms.get(vm.id).pmid == host.index
        wait_until(lambda: last_failover(ctx)["state"] == "failed", "the failover failed", 30)
        assert "could not be fenced" in last_failover(ctx)["error"]
        events = ctx.store.events.list(action="vm.failover")
        assert len(events) > before and "stay where they are" in events[0]["outcome"], events
        # it still runs where it was (its host only lost its link)
        assert vm.domain in domains(lab, host)
    finally:  # its link first, its BMC once it is seen up (else the failover, retried each
        # grace, could fence it as its BMC comes back: right, but not what this test is about)
        netns.set_link(lab.state.names.veth(host.index), up=True)
        wait_until(lambda: ctx.store.pms.get(vm.pmid).state == "up", "the host up again", 60,
                   every=1)
        Lab(lab_dir).heal(f"h{host.index}")
    assert ctx.store.vms.get(vm.id).pmid == host.index
    assert host_ssh(lab, host, "true").returncode == 0


def test_a_shared_guest_migrates_moving_memory_only_and_grows_its_disk_while_off(lab_dir, ctx):
    lab = Lab(lab_dir)
    vm = next(v for v in ctx.store.vms.list() if v.ha)
    ip = ctx.store.addresses.of_vm(vm.id)[0].ip
    wait_until(lambda: guest_ssh(ctx, ip, "true").returncode == 0, "the guest's SSH", 90)
    start_counter(ctx, ip)
    other = 1 if vm.pmid == 2 else 2
    moved = ctx.compute.migrate_now(vm.id, other)
    assert moved["mode"] == "live" and moved["bytes"] < 256 << 20, moved  # memory, not 1 GiB
    assert ctx.store.vms.get(vm.id).pmid == other
    assert vm.domain in domains(lab, lab.state.hosts[other - 1])
    assert vm.domain not in domains(lab, lab.state.hosts[2 - other])
    before = counter(ctx, ip)
    wait_until(lambda: counter(ctx, ip) > before, "the counter going on after the move", 30)

    with pytest.raises(Conflict, match="shut the VM down first"):
        ctx.compute.resize(vm.id, disk_gb=2)
    ctx.compute.power(vm.id, "stop")
    kept = counter_on_storage(lab, vm.id)
    assert ctx.compute.resize(vm.id, disk_gb=2).disk_gb == 2
    ctx.compute.power(vm.id, "start")
    wait_until(lambda: guest_ssh(ctx, ip, "true").returncode == 0, "the guest's SSH", 90)
    assert guest_ssh(ctx, ip, "cat /sys/block/vda/size").stdout.strip() == str(2 << 21)
    assert counter(ctx, ip) == kept  # the same disk, grown


def counter_on_storage(lab, vmid):
    """The counter as the storage server's file holds it (the guest is off)."""
    out = host_ssh(lab, lab.state.storage, f"dd if=/srv/vmfabric/vmf-{vmid}.raw bs=1M "
                                           f"skip={COUNTER_MB} count=1 2>/dev/null | head -c 32")
    return int(re.match(r"tick (\d+)", out.stdout).group(1))
