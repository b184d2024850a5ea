"""The sync on libvirt's test driver: states follow the host, lost hosts go down and come back,
and work left by a dead process is finished or rolled back."""

import concurrent.futures
import socket
import subprocess

import pytest

from service import naming
from service.sync import hosts, work

pytestmark = pytest.mark.fleet(pms=1)


@pytest.fixture
def pool():
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        yield executor


def check(ctx, pool):
    return hosts.check_all(ctx.sync_services(), pool, {})


def dead_owner(ctx):
    child = subprocess.Popen(["true"])
    child.wait()
    ctx.store.processes.register("gone", socket.gethostname(), child.pid)
    return "gone"


def test_states_changed_behind_vmfabrics_back_are_seen(ctx, pool):
    vm, sibling = ctx.compute.create("watched", 1, count=2)
    pm = ctx.store.pms.get(vm.pmid)
    ctx.hypervisors.domains.power(pm, vm.domain, "pause")
    assert check(ctx, pool) == {pm.id: "up"}
    assert ctx.store.vms.get(vm.id).state == "paused"
    assert ctx.store.vms.get(sibling.id).state == "running"
    ctx.hypervisors.domains.power(pm, vm.domain, "stop")
    check(ctx, pool)
    assert ctx.store.vms.get(vm.id).state == "shutoff"
    ctx.hypervisors.domains.remove(pm, vm.domain)
    check(ctx, pool)
    gone = ctx.store.vms.get(vm.id)
    assert gone.state == "missing" and vm.domain in gone.error
    assert ctx.store.pms.get(pm.id).used_cpu == vm.cpu + sibling.cpu  # a missing VM keeps its claim
    assert ctx.compute.destroy(vm.id) == "destroyed"
    assert ctx.store.pms.get(pm.id).used_cpu == sibling.cpu


def test_unknown_domains_are_reported_not_removed(ctx, pool):
    from service import templates

    pm = ctx.store.pms.list()[0]
    stray = 999_000 + pm.id
    xml = templates.render_domain(vmid=stray, name="stray", tid=1, image_id=1, cpu=1, ram_mb=64,
                                  domain_type="qemu", pool="default-pool", console_log="/x.log")
    ctx.hypervisors.domains.define_and_start(pm, xml)
    try:
        check(ctx, pool)
        assert ctx.store.pms.get(pm.id).unknown_domains == [naming.domain(stray)]
        assert ctx.hypervisors.domains.state(pm, naming.domain(stray)) == "running"
    finally:
        ctx.hypervisors.domains.remove(pm, naming.domain(stray))
    check(ctx, pool)
    assert ctx.store.pms.get(pm.id).unknown_domains == []


def test_a_host_that_stops_answering_is_down_and_comes_back_by_itself(ctx, pool):
    pm = ctx.store.pms.list()[0]
    with ctx.store.write() as conn:
        from service.store.schema import pms

        conn.execute(pms.update().where(pms.c.id == pm.id)
                     .values(libvirt_uri="test:///nonexistent/node.xml"))
    ctx.hypervisors.forget(pm)
    reason = check(ctx, pool)[pm.id]
    down = ctx.store.pms.get(pm.id)
    assert down.state == "down" and down.reason == reason and "cannot connect" in reason
    assert "\n" not in reason
    with ctx.store.write() as conn:
        conn.execute(pms.update().where(pms.c.id == pm.id).values(libvirt_uri="test:///default"))
    assert check(ctx, pool) == {pm.id: "up"}
    assert ctx.store.pms.get(pm.id).state == "up" and ctx.store.pms.get(pm.id).reason == ""


def test_a_host_down_past_its_grace_is_reported_failed_with_its_vms(ctx, pool, caplog):
    from service.store.schema import pms

    vm = ctx.compute.create("stranded", 1)[0]
    pm = ctx.store.pms.get(vm.pmid)
    with ctx.store.write() as conn:
        conn.execute(pms.update().where(pms.c.id == pm.id)
                     .values(libvirt_uri="test:///nonexistent/node.xml"))
    ctx.hypervisors.forget(pm)
    check(ctx, pool)
    first_down = ctx.store.pms.get(pm.id).down_since
    assert first_down is not None
    check(ctx, pool)
    assert ctx.store.pms.get(pm.id).down_since == first_down  # since when, not since the last look
    grace = ctx.config["sync"]["host_grace"]
    with ctx.store.write() as conn:
        conn.execute(pms.update().where(pms.c.id == pm.id).values(down_since=first_down - grace - 1))
    caplog.set_level("WARNING", logger="vmfabric.sync")
    check(ctx, pool)
    assert any("has failed" in r.getMessage() and f"({vm.id})" in r.getMessage()
               and "evacuate" in r.getMessage() for r in caplog.records)
    with ctx.store.write() as conn:
        conn.execute(pms.update().where(pms.c.id == pm.id).values(libvirt_uri="test:///default"))
    check(ctx, pool)
    assert ctx.store.pms.get(pm.id).down_since is None


def test_a_create_whose_process_died_is_finished_or_rolled_back(ctx):
    request_rows = [{"name": n, "tid": 1, "image_id": 1, "cpu": 1, "ram_mb": 512, "disk_gb": 1,
                     "pmid": 1} for n in ("made", "half-made")]
    owner = dead_owner(ctx)
    made, half = ctx.store.vms.create_with_claims(request_rows, owner=owner)
    pm = ctx.store.pms.get(1)
    image = ctx.store.catalog.images()[0]
    ctx.compute._launcher.launch(ctx.store.vms.get(made), pm, image, "")  # its domain runs
    ctx.hypervisors.storage.create_volume(pm, naming.disk(half), 1 << 20)  # disk only
    done = work.recover(ctx.sync_services())
    assert done["finished"] == [made] and done["failed"] == [half]
    assert ctx.store.vms.get(made).state == "running" and ctx.store.vms.get(made).owner is None
    assert ctx.store.vms.get(half).state == "failed" and ctx.store.vms.get(half).pmid is None
    assert naming.disk(half) not in ctx.hypervisors.storage.volume_names(pm)
    assert ctx.store.pms.get(1).used_cpu == 1  # only the finished VM holds a claim
    assert work.recover(ctx.sync_services())["finished"] == []  # taken over once


def test_a_destroy_whose_process_died_is_completed(ctx):
    vm = ctx.compute.create("doomed", 1)[0]
    ctx.store.vms.begin(vm.id, "deleting", dead_owner(ctx))
    assert work.recover(ctx.sync_services())["destroyed"] == [vm.id]
    assert ctx.store.vms.list() == [] and ctx.store.pms.get(vm.pmid).used_cpu == 0
