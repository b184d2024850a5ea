"""Shutdowns on libvirt's test driver: one the guest ignores is reported once past its deadline
(in the VM's answer and as an event), a forced one is stopped, a done one is forgotten."""

import time

import pytest

from service.app import create_app
from tests.helpers.servers import admin_token

pytestmark = pytest.mark.fleet(pms=1)


def ignored_shutdown(ctx, vm, force=False):
    """A shutdown asked of VM's guest, which ignores it (the domain keeps running)."""
    ctx.shutdowns.asked(vm.id, force)
    return ctx.store.vms.get(vm.id).power_request["deadline"]


def test_a_shutdown_the_guest_ignores_is_reported_once(ctx):
    vm = ctx.compute.create("stubborn", 1)[0]
    deadline = ignored_shutdown(ctx, vm)
    assert ctx.shutdowns.check(now=deadline - 1) == []
    assert ctx.shutdowns.check(now=deadline + 1) == [vm.id]
    assert ctx.shutdowns.check(now=deadline + 60) == []  # once
    client = create_app(ctx=ctx).test_client()
    shown = client.get(f"/api/v1/vms/{vm.id}",
                       headers={"Authorization": f"Bearer {admin_token(ctx)}"}).json["vm"]
    assert shown["state"] == "running"
    assert shown["shutdown"]["overdue"] is True and shown["shutdown"]["force"] is False
    events = ctx.store.events.list(action="sync.shutdown")
    assert len(events) == 1 and f"vm stop {vm.id}" in events[0]["outcome"]


def test_a_forced_shutdown_is_stopped_at_its_deadline(ctx):
    vm = ctx.compute.create("forced", 1)[0]
    deadline = ignored_shutdown(ctx, vm, force=True)
    assert ctx.shutdowns.check(now=deadline + 1) == [vm.id]
    pm = ctx.store.pms.get(vm.pmid)
    assert ctx.hypervisors.domains.state(pm, vm.domain) == "shutoff"
    after = ctx.store.vms.get(vm.id)
    assert after.state == "shutoff" and after.power_request == {}
    assert "stopped (forced)" in ctx.store.events.list(action="sync.shutdown")[0]["outcome"]


def test_a_shutdown_that_is_done_is_forgotten(ctx):
    vm = ctx.compute.create("obedient", 1)[0]
    after = ctx.compute.power(vm.id, "shutdown")  # the test driver's guest obeys at once
    assert after.state == "shutoff"
    assert ctx.shutdowns.check(now=time.time()) == [vm.id]
    assert ctx.store.vms.get(vm.id).power_request == {}
    assert ctx.store.events.list(action="sync.shutdown") == []


def test_another_power_action_replaces_the_request(ctx):
    vm = ctx.compute.create("changed", 1)[0]
    ignored_shutdown(ctx, vm)
    ctx.compute.power(vm.id, "reboot")
    assert ctx.store.vms.get(vm.id).power_request == {}
