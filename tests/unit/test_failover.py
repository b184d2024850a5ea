"""The rules of high availability, below the lab (hosts on libvirt's test driver): an `ha` VM
is made only where disks are shared; a failed host's failover is due after ``ha.grace``, and
not again within a grace of a fence that failed; a VM is restarted elsewhere only after its
host was fenced since it went down, only within its storage group; and what a raw LUN
cannot do (a snapshot; a disk grown while it runs) is refused naming why, with nothing changed."""

import pytest

from service.compute.restart import fenced_since_down
from service.errors import Conflict, ValidationError
from service.fencing.failover import Failover
from service.store.schema import vms as vms_table
from tests.helpers.contexts import make_ctx


@pytest.fixture
def ctx(tmp_path):
    made = make_ctx(tmp_path, pms=2)
    yield made
    made.close()


def shared_vm(ctx, ha=True, group="g"):
    """A VM made on host 1, then recorded as one whose disks are in storage group GROUP."""
    vm = ctx.compute.create("keeper", 1)[0]
    with ctx.store.write() as conn:
        conn.execute(vms_table.update().where(vms_table.c.id == vm.id)
                     .values(storage=group, ha=ha))
    return ctx.store.vms.get(vm.id)


def failover(ctx):
    return Failover(ctx.config, ctx.store, ctx.compute, ctx.jobs, ctx.fencer, ctx.rebalancer)


def test_an_ha_vm_is_made_only_where_disks_are_shared(ctx):
    with pytest.raises(Conflict, match="ha: no host keeps its guests' disks on shared"):
        ctx.compute.create("solo", 1, ha=True)
    with pytest.raises(ValidationError, match="ha: true or false, not 'yes'"):
        ctx.compute.create("solo", 1, ha="yes")
    assert ctx.store.vms.list() == []
    assert all(pm.used.cpu == 0 for pm in ctx.store.pms.list())  # nothing claimed


def test_a_failover_is_due_after_the_grace_and_retried_a_grace_after_a_failed_fence(ctx, clock):
    vm = shared_vm(ctx)
    shared_vm(ctx, ha=False)  # (a VM on shared storage that is not `ha` stays with its host)
    grace = ctx.config["ha"]["grace"]
    ctx.store.pms.set_state(1, "down", "no route to the host")
    watch = failover(ctx)
    assert watch.due(ctx.store.pms.get(1)) == []  # within the grace
    clock.advance(grace + 1)
    assert [v.id for v in watch.due(ctx.store.pms.get(1))] == [vm.id]
    assert watch.due(ctx.store.pms.get(2)) == []  # up
    ctx.store.pms.set_fence(1, {"state": "unfenceable", "at": clock.time(), "detail": "no BMC"})
    assert watch.due(ctx.store.pms.get(1)) == []  # reported; not tried again at once
    clock.advance(grace + 1)
    assert [v.id for v in watch.due(ctx.store.pms.get(1))] == [vm.id]
    # fenced, but a VM found no room elsewhere: tried again a grace later, not every pass
    ctx.store.pms.set_fence(1, {"state": "fenced", "at": clock.time(), "detail": "off"})
    assert watch.due(ctx.store.pms.get(1)) == []
    clock.advance(grace + 1)
    assert [v.id for v in watch.due(ctx.store.pms.get(1))] == [vm.id]


def test_a_vm_restarts_elsewhere_only_after_its_host_was_fenced_since_it_went_down(ctx, clock):
    vm = shared_vm(ctx)
    ctx.store.pms.set_fence(1, {"state": "fenced", "at": clock.time(), "detail": "earlier"})
    clock.advance(5)
    ctx.store.pms.set_state(1, "down", "no route to the host")
    pm = ctx.store.pms.get(1)
    assert not fenced_since_down(pm)  # a fence from before it went down proves nothing now
    with pytest.raises(Conflict, match="is not fenced: vm .* may still run there"):
        ctx.compute.restart(vm, pm)
    assert ctx.store.vms.get(vm.id).pmid == 1  # nothing moved, nothing claimed elsewhere
    assert ctx.store.pms.get(2).used.cpu == 0
    ctx.store.pms.set_fence(1, {"state": "fenced", "at": clock.time() + 1, "detail": "now"})
    assert fenced_since_down(ctx.store.pms.get(1))


def test_a_vm_on_shared_storage_moves_only_within_its_storage_group(ctx):
    vm = shared_vm(ctx)
    source, other = ctx.store.pms.get(1), ctx.store.pms.get(2)
    assert "is not in storage group g, where the VM's disks are" in \
        ctx.rules.why_not(vm, source, other)
    assert not ctx.rules.allows(vm, source)(other)
    local = ctx.compute.create("local", 1)[0]
    assert ctx.rules.why_not(local, source, other) is None


def test_what_a_raw_lun_cannot_do_is_refused_naming_why(ctx):
    vm = shared_vm(ctx)
    with pytest.raises(Conflict, match="raw LUN on shared storage .* cannot hold a snapshot"):
        ctx.compute.take_snapshot(vm.id, "before")
    with pytest.raises(Conflict, match="grown only while no host has it open: shut the VM"):
        ctx.compute.resize(vm.id, disk_gb=vm.disk_gb + 1)
    after = ctx.store.vms.get(vm.id)
    assert (after.disk_gb, ctx.store.snapshots.of_vm(vm.id)) == (vm.disk_gb, [])


def test_a_type_marked_ha_makes_its_vms_ha_unless_a_create_says_otherwise(ctx):
    from service.catalog.types import type_change

    ctx.store.catalog.change_type(1, type_change({"ha": True}))
    assert ctx.store.catalog.type(1)["ha"] is True
    with pytest.raises(Conflict, match="ha: no host keeps its guests' disks on shared"):
        ctx.compute.create("from-an-ha-type", 1)
    assert ctx.compute.create("not-this-one", 1, ha=False)[0].ha is False
    with pytest.raises(ValidationError, match="ha: true or false, not 1"):
        type_change({"ha": 1})
