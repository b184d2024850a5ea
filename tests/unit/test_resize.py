"""Resize on libvirt's test driver: growth within the headroom is live and claimed at once, a
shrink waits for the next start holding the larger size, what does not fit is refused naming
it, and disks never shrink."""

import pytest

from service.errors import NoCapacity, QuotaExceeded, ValidationError

pytestmark = pytest.mark.fleet(pms=2, capacity=(4, 4096, 20))


def held(ctx, pmid):
    pm = ctx.store.pms.get(pmid)
    return pm.used_cpu, pm.used_ram_mb, pm.used_disk_gb


def live_size(ctx, vm):
    import libvirt

    dom = libvirt.open("test:///default").lookupByName(vm.domain)
    return dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE), dom.info()[2] // 1024


def test_growing_within_the_headroom_is_live_and_claimed(ctx):
    vm = ctx.compute.create("grower", 1)[0]  # 1 CPU, 512 MB; headroom 2 CPU, 1024 MB
    assert (vm.max_cpu, vm.max_ram_mb) == (2, 1024)
    grown = ctx.compute.resize(vm.id, cpu=2, ram_mb=1024)
    assert (grown.cpu, grown.ram_mb, grown.disk_gb, grown.tid, grown.pending) == (2, 1024, 1, 1, {})
    assert held(ctx, vm.pmid) == (2, 1024, 1)
    assert live_size(ctx, vm) == (2, 1024)


def test_a_resize_the_host_fails_leaves_the_claim_as_the_host_has_it(ctx):
    """The test driver cannot grow a disk: the type-2 resize fails before anything changed."""
    from service.errors import HypervisorError

    vm = ctx.compute.create("unlucky", 1)[0]
    with pytest.raises(HypervisorError):
        ctx.compute.resize(vm.id, tid=2)
    assert held(ctx, vm.pmid) == (1, 512, 1)
    assert (ctx.store.vms.get(vm.id).tid, live_size(ctx, vm)) == (1, (1, 512))


def test_a_shrink_waits_for_the_next_start_holding_the_larger_size(ctx):
    vm = ctx.compute.create("shrinker", 2)[0]
    smaller = ctx.compute.resize(vm.id, cpu=1, ram_mb=512)
    assert smaller.pending == {"cpu": 1, "ram_mb": 512}
    assert held(ctx, vm.pmid) == (2, 1024, 2)  # both sizes fit until the guest restarts
    ctx.compute.power(vm.id, "stop")
    started = ctx.compute.power(vm.id, "start")
    assert (started.cpu, started.ram_mb, started.pending) == (1, 512, {})
    assert held(ctx, vm.pmid) == (1, 512, 2)


def test_what_does_not_fit_is_refused_naming_it_and_nothing_changes(ctx):
    vm = ctx.compute.create("crowded", 2)[0]  # 2 CPU, 2 GB disk
    before = held(ctx, vm.pmid)
    with pytest.raises(NoCapacity, match="3 CPU more"):
        ctx.compute.resize(vm.id, cpu=5)
    with pytest.raises(ValidationError, match="never shrink"):
        ctx.compute.resize(vm.id, disk_gb=1)
    assert held(ctx, vm.pmid) == before
    assert ctx.store.vms.get(vm.id).pending == {}


def test_a_resize_over_quota_is_refused(ctx):
    user = ctx.accounts.create("quinn", None, "member", with_password=False)
    ctx.accounts.set_quota("quinn", {"cpu": 1})
    vm = ctx.compute.create("limited", 1, user_id=user.id)[0]
    with pytest.raises(QuotaExceeded, match="cpu limit 1"):
        ctx.compute.resize(vm.id, cpu=2)
    assert ctx.store.vms.get(vm.id).cpu == 1
