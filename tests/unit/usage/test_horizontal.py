"""Horizontal autoscaling on the store and libvirt's test driver: a cluster whose nodes' average
CPU stayed over `up` for `hold` gets a node (placed by its rules; the lab test sees it in the
inventory with its setup applied), nothing
changes within the cooldown, one that idled loses its newest node; a cluster below its
min_size is brought up to it; a policy that makes no sense is refused naming the field."""

import pytest

from service import clock
from service.clusters import MAX_SIZE
from service.errors import ValidationError
from service.usage import horizontal
from service.usage.horizontal import ClusterScaler
from tests.unit.usage.test_view import history_of

pytestmark = pytest.mark.fleet(pms=3, capacity=(4, 4096, 40))
INTERVAL = 10
POLICY = {"min_size": 2, "max_size": 3, "hold": 30, "cooldown": 60}


def made(ctx, size=2):
    cluster, nodes = ctx.clusters.create("web", 1, size, "spread")
    return cluster, nodes


def events(ctx, cluster):
    return [e["outcome"] for e in ctx.store.events.list(action="autoscale.cluster")
            if e["target"] == f"cluster {cluster['id']}"]


def test_a_busy_cluster_grows_by_its_rules_then_waits_then_sheds_its_newest_node(ctx):
    cluster, nodes = made(ctx)
    ctx.store.clusters.set_autoscale(cluster["id"], horizontal.checked(POLICY, MAX_SIZE))
    scaler = ClusterScaler(ctx.store, ctx.clusters, ctx.compute, INTERVAL)
    history_of(ctx, "v", nodes[0].id, [95.0] * 4)
    history_of(ctx, "v", nodes[1].id, [20.0] * 4)  # the average (57 %) is under up (70 %)
    assert scaler.pass_once() == []
    history_of(ctx, "v", nodes[1].id, [80.0] * 4)
    (_, outcome), = scaler.pass_once()
    grown = ctx.clusters.nodes(cluster["id"])
    assert len(grown) == 3 and "2 -> 3 nodes: web-3 added" in outcome
    assert len({vm.pmid for vm in grown}) == 3  # spread kept for the new node
    for vm in grown:
        history_of(ctx, "v", vm.id, [1.0] * 7)
    assert scaler.pass_once() == []  # within the cooldown
    later = clock.now() + 61
    for vm in grown:
        history_of(ctx, "v", vm.id, [1.0] * 7, now=later)
    (_, outcome), = scaler.pass_once(now=later)
    assert "3 -> 2 nodes: web-3 removed" in outcome
    assert sorted(vm.name for vm in ctx.clusters.nodes(cluster["id"])) == ["web-1", "web-2"]
    assert len(events(ctx, cluster)) == 2


def test_a_cluster_below_its_min_size_is_brought_up_to_it(ctx):
    cluster, _ = made(ctx, size=1)
    ctx.store.clusters.set_autoscale(cluster["id"], horizontal.checked(POLICY, MAX_SIZE))
    (_, outcome), = ClusterScaler(ctx.store, ctx.clusters, ctx.compute, INTERVAL).pass_once()
    assert "1 -> 2 nodes" in outcome and "fewer than min_size 2" in outcome


@pytest.mark.parametrize("bad, field", [
    ({"min_size": 3, "max_size": 2}, "min_size"), ({"min_size": 1}, "max_size"),
    ({"min_size": 1, "max_size": 101}, "max_size"),
    ({"min_size": 1, "max_size": 2, "up": 0.2, "down": 0.5}, "down"),
    ({"min_size": 1, "max_size": 2, "setup": 5}, "setup"),
    ({"min_size": 1, "max_size": 2, "order": "oldest"}, "order")])
def test_a_policy_that_makes_no_sense_is_refused_naming_the_field(bad, field):
    with pytest.raises(ValidationError) as caught:
        horizontal.checked(bad, MAX_SIZE)
    assert caught.value.field == field
