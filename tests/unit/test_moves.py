"""Migration's claims and checks, on the store and libvirt's test driver: the destination is
claimed (VM and volumes) before anything moves, a full or wrong host refuses with nothing
claimed, and a move ends finished or undone with every claim where it belongs."""

import pytest

from service.errors import Conflict, NoCapacity, ValidationError
from service.store.vms import ClaimLost

pytestmark = pytest.mark.fleet(pms=3, capacity=(4, 4096, 20))


def used(ctx):
    return {pm.id: (pm.used_cpu, pm.used_ram_mb, pm.used_disk_gb, pm.vm_count)
            for pm in ctx.store.pms.list()}


def with_volume(ctx, vm, size=3):
    """A volume of SIZE GB attached to VM, as an attach leaves it (its disk claimed on VM's host)."""
    volume = ctx.volumes.create("data", size)
    ctx.store.volumes.claim_on(volume.id, vm.pmid)
    ctx.store.volumes.placed(volume.id)
    ctx.store.volumes.settle(volume.id, "attached", vmid=vm.id, target="vdb")
    return volume


def test_a_move_claims_the_destination_then_gives_the_source_back(ctx):
    vm = ctx.compute.create("mover", 2)[0]
    volume = with_volume(ctx, vm)
    target = next(pm.id for pm in ctx.store.pms.list() if pm.id != vm.pmid)
    before = used(ctx)
    ctx.store.moves.begin(vm.id, target, "me")
    during = used(ctx)
    assert during[vm.pmid] == before[vm.pmid]  # the source keeps its claim meanwhile
    assert during[target] == (2, 1024, 2 + 3, 1)
    moving = ctx.store.vms.get(vm.id)
    assert (moving.state, moving.target_pmid, moving.owner) == ("migrating", target, "me")
    assert ctx.store.volumes.get(volume.id).pending_pmid == target
    ctx.store.moves.finish(vm.id, "running")
    after = used(ctx)
    assert after[vm.pmid] == (0, 0, 0, 0) and after[target] == (2, 1024, 5, 1)
    moved = ctx.store.vms.get(vm.id)
    assert (moved.pmid, moved.target_pmid, moved.state, moved.owner) == (target, None, "running",
                                                                         None)
    carried = ctx.store.volumes.get(volume.id)
    assert (carried.pmid, carried.pending_pmid, carried.vmid) == (target, None, vm.id)


def test_an_undone_move_gives_the_destination_back(ctx):
    vm = ctx.compute.create("stayer", 2)[0]
    volume = with_volume(ctx, vm)
    target = next(pm.id for pm in ctx.store.pms.list() if pm.id != vm.pmid)
    before = used(ctx)
    ctx.store.moves.begin(vm.id, target, "me")
    ctx.store.moves.undo(vm.id, "running", error="the destination failed")
    assert used(ctx) == before
    stayed = ctx.store.vms.get(vm.id)
    assert (stayed.pmid, stayed.target_pmid, stayed.state) == (vm.pmid, None, "running")
    assert stayed.error == "the destination failed"
    assert ctx.store.volumes.get(volume.id).pending_pmid is None


def test_a_full_destination_refuses_before_anything_moves(ctx):
    vm = ctx.compute.create("big", 3)[0]  # 4 CPU: a whole host
    target = next(pm.id for pm in ctx.store.pms.list() if pm.id != vm.pmid)
    ctx.compute.create("filler", 1, count=1)  # first_fit: the next host has 3 CPU left
    before = used(ctx)
    with pytest.raises(NoCapacity):
        ctx.compute.migrate(vm.id, target)
    assert used(ctx) == before
    assert ctx.store.vms.get(vm.id).state == "running"
    with pytest.raises(ClaimLost):
        ctx.store.moves.begin(vm.id, target, "me")
    assert used(ctx) == before


def test_a_volume_that_does_not_fit_refuses_the_whole_move(ctx):
    vm = ctx.compute.create("with-disk", 1)[0]
    with_volume(ctx, vm, size=19)  # 1 + 19 GB fill its host's 20
    target = next(pm.id for pm in ctx.store.pms.list() if pm.id != vm.pmid)
    ctx.compute.create("squatter", 1)  # first_fit puts it on the target: 19 GB left there
    before = used(ctx)
    with pytest.raises(ClaimLost):
        ctx.store.moves.begin(vm.id, target, "me")
    assert used(ctx) == before
    assert ctx.store.vms.get(vm.id).state == "running"


@pytest.mark.parametrize("case", ["same host", "no such host", "host down", "vm creating",
                                  "vm migrating"])
def test_a_move_that_cannot_begin_says_why_and_claims_nothing(ctx, case):
    vm = ctx.compute.create("stuck", 1)[0]
    other = next(pm.id for pm in ctx.store.pms.list() if pm.id != vm.pmid)
    target = {"same host": vm.pmid, "no such host": 99}.get(case, other)
    if case == "host down":
        ctx.store.pms.set_state(other, "down", "link lost")
    if case == "vm migrating":
        ctx.store.moves.begin(vm.id, other, "someone")
    if case == "vm creating":
        ctx.store.vms.set_state(vm.id, "creating", owner="someone")
    before = used(ctx)
    expected = ValidationError if case == "no such host" else Conflict
    with pytest.raises(expected):
        ctx.compute.migrate(vm.id, target)
    assert used(ctx) == before


def test_a_migration_keeps_the_spread_rule_the_vms_were_made_under(ctx):
    """A spread batch's VM may not be moved onto a host a sibling holds: named, nothing
    claimed; left to the policy, it goes to a host no sibling holds."""
    one, two = ctx.compute.create("spread", 1, count=2, placement="spread")
    assert one.spread_group and one.spread_group == two.spread_group
    before = used(ctx)
    with pytest.raises(Conflict, match="spread group"):
        ctx.compute.migrate(one.id, two.pmid)
    assert used(ctx) == before
    free = ({pm.id for pm in ctx.store.pms.list()} - {one.pmid, two.pmid}).pop()
    vm, _, target = ctx.compute._migrator._claim(one.id, None)
    assert target.id == free
    ctx.store.moves.undo(one.id, vm.state)


def test_a_spread_clusters_nodes_keep_apart_across_requests(ctx):
    """Nodes added to a spread cluster later avoid its earlier nodes' hosts, and when no host
    is left the refusal names the spread rule, not capacity."""
    cluster, nodes = ctx.clusters.create("apart", 1, 2, "spread")
    added = ctx.clusters.add_nodes(cluster["id"], 1)
    assert len({vm.pmid for vm in nodes + added}) == 3
    with pytest.raises(NoCapacity, match="spread"):
        ctx.clusters.add_nodes(cluster["id"], 1)
    with pytest.raises(NoCapacity, match="spread"):
        ctx.clusters.add_nodes(cluster["id"], 2)
