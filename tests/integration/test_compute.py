"""Real guests on the lab: create, console, power, destroy, and a create that survives a host failure."""

import os
import time

import pytest

from service.errors import Conflict, NotFound
from vmfabric_lab import daemons
from vmfabric_lab.image import GUEST_MARKER

from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.lab


def host_of(lab, pm):
    return next(h for h in lab.state.hosts if h.address == pm.address)


def domains_on(lab, host):
    return daemons.in_host(host.pids["anchor"], ["virsh", "-q", "-c", "qemu:///system", "list",
                                                 "--all", "--name"]).split()


def files_in_pool(lab, host):
    return os.listdir(os.path.join(lab.state.host_dir(host.index), "lib-libvirt", "images"))


def wait_for_marker(ctx, vmid, timeout=60):
    return wait_until(lambda: (lambda lines: GUEST_MARKER in lines and lines)(
        ctx.compute.console(vmid, 20)), f"{GUEST_MARKER} on vm {vmid}'s console", timeout)


def test_create_console_power_destroy(lab, lab_ctx):
    vm = lab_ctx.compute.create("web </name> & 'one'", 1)[0]
    pm = lab_ctx.store.pms.get(vm.pmid)
    host = host_of(lab, pm)
    domain = f"vmf-{vm.id}"
    assert vm.state == "running"
    # on the chosen host only
    for other in lab.state.hosts:
        assert (domain in domains_on(lab, other)) == (other is host)
    wait_for_marker(lab_ctx, vm.id)
    assert lab_ctx.compute.power(vm.id, "pause").state == "paused"
    with pytest.raises(Conflict, match="paused; reboot needs it running"):
        lab_ctx.compute.power(vm.id, "reboot")
    assert lab_ctx.compute.power(vm.id, "resume").state == "running"
    assert lab_ctx.compute.power(vm.id, "stop").state == "shutoff"
    assert lab_ctx.compute.power(vm.id, "start").state == "running"
    assert f"vmf-{vm.id}.qcow2" in files_in_pool(lab, host)
    lab_ctx.compute.destroy(vm.id)
    assert domain not in domains_on(lab, host)
    leftovers = [f for f in files_in_pool(lab, host) if f.startswith(f"vmf-{vm.id}.")]
    assert leftovers == []
    with pytest.raises(NotFound):
        lab_ctx.store.vms.get(vm.id)
    assert lab_ctx.store.pms.get(pm.id).used_cpu == 0


def test_destroy_after_the_domain_was_removed_by_hand(lab, lab_ctx):
    vm = lab_ctx.compute.create("removed-by-hand", 1)[0]
    host = host_of(lab, lab_ctx.store.pms.get(vm.pmid))
    anchor = host.pids["anchor"]
    virsh = ["virsh", "-q", "-c", "qemu:///system"]
    daemons.in_host(anchor, virsh + ["destroy", f"vmf-{vm.id}"])
    daemons.in_host(anchor, virsh + ["undefine", f"vmf-{vm.id}"])
    lab_ctx.compute.destroy(vm.id)
    assert lab_ctx.store.pms.get(vm.pmid).vm_count == 0
    assert not [f for f in files_in_pool(lab, host) if f.startswith(f"vmf-{vm.id}.")]


def test_create_moves_to_another_host_when_libvirtd_is_down(lab, lab_ctx):
    # first_fit chooses pm1 first: take its libvirtd away
    pm1 = lab_ctx.store.pms.get(1)
    host1 = host_of(lab, pm1)
    lab.fail(host1.address, "libvirtd")
    try:
        vm = lab_ctx.compute.create("survivor", 1)[0]
        assert vm.pmid != 1 and vm.state == "running"
        assert lab_ctx.store.pms.get(1).vm_count == 0
        assert lab_ctx.store.pms.get(1).used_cpu == 0
        wait_for_marker(lab_ctx, vm.id)
    finally:
        lab.heal(host1.address)
    assert f"vmf-{vm.id}" not in domains_on(lab, host1)
    assert not [f for f in files_in_pool(lab, host1) if f.startswith(f"vmf-{vm.id}.")]
    lab_ctx.compute.destroy(vm.id)
    lab_ctx.fleet.discover()
    assert lab_ctx.store.pms.get(1).state == "up"


def test_a_vm_fails_with_the_reason_after_max_attempts(lab, lab_ctx):
    for host in lab.state.hosts:
        lab.fail(host.address, "libvirtd")
    try:
        from service.errors import HypervisorError

        with pytest.raises(HypervisorError, match="failed on 3 host"):
            lab_ctx.compute.create("doomed", 1)
        failed = lab_ctx.store.vms.list(state="failed")
        assert failed and failed[-1].name == "doomed" and failed[-1].pmid is None
        assert "libvirtd is not running" in failed[-1].error
        assert all(p.used_cpu == 0 for p in lab_ctx.store.pms.list())
    finally:
        for host in lab.state.hosts:
            lab.heal(host.address)
        lab_ctx.fleet.discover()


def test_guests_made_together_on_a_fresh_host_all_boot(run_dir, guest_image, tmp_path):
    """The first VMs on a host share one upload of their base image, and none of them starts
    on it before it is whole (its record in the store), however many are made at once."""
    from tests.helpers.servers import lab_context
    from vmfabric_lab.lab import Lab

    fresh = Lab(os.path.join(run_dir, "lab-fresh"))
    fresh.up(hosts=1)
    ctx = lab_context(fresh, guest_image, str(tmp_path), policy="first_fit")
    try:
        vms = ctx.compute.create("together", 1, count=3, placement="pack")
        assert len({vm.pmid for vm in vms}) == 1
        deadline = time.monotonic() + 120
        booted = set()
        while len(booted) < len(vms):
            assert time.monotonic() < deadline, f"only {sorted(booted)} of {len(vms)} booted"
            booted |= {vm.id for vm in vms if GUEST_MARKER in ctx.compute.console(vm.id, 50)}
            time.sleep(0.5)
        assert len(ctx.store.catalog.host_image(vms[0].pmid, 1) or {}) > 0
        for vm in vms:
            ctx.compute.destroy(vm.id)
    finally:
        ctx.close()
        fresh.down(purge=True)


def test_a_shutdown_powers_the_lab_guest_off(lab, lab_ctx):
    """The guest handles the ACPI power button: `shutdown` ends with the domain off and the
    request forgotten; nothing is reported overdue."""
    vm = lab_ctx.compute.create("polite", 1)[0]
    pm = lab_ctx.store.pms.get(vm.pmid)
    wait_until(lambda: "vmfabric-guest: ssh ready" in lab_ctx.compute.console(vm.id, 50),
               "the guest booting", timeout=60)
    lab_ctx.compute.power(vm.id, "shutdown")
    assert lab_ctx.store.vms.get(vm.id).power_request["action"] == "shutdown"
    wait_until(lambda: lab_ctx.hypervisors.domains.state(pm, vm.domain) == "shutoff",
               "the guest powering off", timeout=30)
    assert "vmfabric-guest: power button: powering off" in lab_ctx.compute.console(vm.id, 20)
    assert lab_ctx.shutdowns.check() == [vm.id]
    assert lab_ctx.store.vms.get(vm.id).power_request == {}
    lab_ctx.compute.destroy(vm.id)
