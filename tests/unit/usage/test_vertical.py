"""Vertical autoscaling on the store and libvirt's test driver: a VM whose CPU stayed over its
policy's `up` for `hold` gets one more vCPU (live, within its headroom), nothing changes
again within the cooldown, and one that stayed idle for the cooldown gives one back; a
policy that makes no sense is refused naming the field; a growth no host has room for is
recorded as unmet."""

import pytest

from service import clock
from service.errors import ValidationError
from service.usage import vertical
from service.usage.vertical import VerticalScaler
from tests.unit.usage.test_view import history_of

pytestmark = pytest.mark.fleet(pms=2, capacity=(2, 4096, 40))
INTERVAL = 10
POLICY = {"min_cpu": 1, "max_cpu": 2, "hold": 30, "cooldown": 60}


def events(ctx, vmid):
    return [e["outcome"] for e in ctx.store.events.list(action="autoscale")
            if e["target"] == f"vm {vmid}"]


def test_a_busy_vm_grows_one_vcpu_then_waits_then_gives_it_back_when_idle(ctx):
    vm = ctx.compute.create("scaled", 1)[0]
    ctx.store.vms.set_autoscale(vm.id, vertical.checked(POLICY, vm))
    scaler = VerticalScaler(ctx.store, ctx.compute, INTERVAL)
    history_of(ctx, "v", vm.id, [50.0, 95.0])  # not yet held for 30 s
    assert scaler.pass_once() == []
    history_of(ctx, "v", vm.id, [95.0, 96.0, 97.0])
    (vmid, outcome), = scaler.pass_once()
    grown = ctx.store.vms.get(vm.id)
    assert (vmid, grown.cpu, grown.pending) == (vm.id, 2, {}) and "1 -> 2 vCPUs" in outcome
    assert ctx.store.pms.get(vm.pmid).used_cpu == 2
    history_of(ctx, "v", vm.id, [1.0] * 7)
    assert scaler.pass_once() == []  # within its cooldown
    later = clock.now() + 61
    history_of(ctx, "v", vm.id, [1.0] * 7, now=later)
    (_, outcome), = scaler.pass_once(now=later)
    assert "2 -> 1 vCPUs" in outcome
    assert ctx.store.vms.get(vm.id).pending.get("cpu", 1) == 1
    assert [e.split(":")[0] for e in reversed(events(ctx, vm.id))][:2] == ["1 -> 2 vCPUs",
                                                                           "2 -> 1 vCPUs"]


def test_a_growth_no_host_has_room_for_is_recorded_as_unmet(ctx):
    # both hosts full (2 CPUs each): the scaled VM cannot grow, nor move anywhere
    scaled = ctx.compute.create("scaled", 1)[0]
    for n in range(3):
        ctx.compute.create(f"filler{n}", 1)
    ctx.store.vms.set_autoscale(scaled.id, vertical.checked(POLICY, scaled))
    history_of(ctx, "v", scaled.id, [99.0] * 4)
    (_, outcome), = VerticalScaler(ctx.store, ctx.compute, INTERVAL).pass_once()
    assert outcome.startswith("unmet:") and "no host has room for 2 vCPUs" in outcome
    assert ctx.store.vms.get(scaled.id).cpu == 1
    assert events(ctx, scaled.id) == [outcome]


@pytest.mark.parametrize("bad, field", [
    ({"min_cpu": 3, "max_cpu": 2}, "min_cpu"), ({"min_cpu": 1}, "max_cpu"),
    ({"min_cpu": 1, "max_cpu": 2, "up": 0.2, "down": 0.5}, "down"),
    ({"min_cpu": 1, "max_cpu": 2, "hold": 0}, "hold"),
    ({"min_cpu": 1, "max_cpu": 2, "speed": 3}, "speed")])
def test_a_policy_that_makes_no_sense_is_refused_naming_the_field(ctx, bad, field):
    vm = ctx.compute.create("scaled", 1)[0]
    with pytest.raises(ValidationError) as caught:
        vertical.checked(bad, vm)
    assert caught.value.field == field
