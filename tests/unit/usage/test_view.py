"""Usage in the service, on the store and libvirt's test driver: a create's declared use is
checked before anything is claimed and kept; usage_fit places by expected use; the usage
fleet reads each VM's estimate from its samples, keeps VMs that moved lately or sit on a
host in maintenance where they are (saying why), and finds a breach only when it lasted."""

import pytest

from service import clock
from service.errors import NoCapacity, ValidationError
from service.telemetry import history
from service.telemetry.rates import FIELDS
from service.usage.view import usage_fleet

pytestmark = pytest.mark.fleet(pms=3, capacity=(8, 8192, 40))
INTERVAL = 10


def sample(kind, oid, at, cpu, steal=0.0):
    values = (cpu, steal) + (0.0,) * (len(FIELDS) - 2)
    return {"kind": kind, "oid": oid, "tier": 0, "slot": int(at // INTERVAL) % 360, "at": at,
            "data": history.pack(history.stored(values))}


def history_of(ctx, kind, oid, cpus, steal=0.0, now=None):
    now = now or clock.now()
    ctx.store.samples.put([sample(kind, oid, now - INTERVAL * (len(cpus) - n), cpu, steal)
                           for n, cpu in enumerate(cpus)])


def test_declared_use_is_checked_before_any_claim_and_kept(ctx):
    before = [(pm.used_cpu, pm.vm_count) for pm in ctx.store.pms.list()]
    for bad in ("huge", 0, 1.5, True):
        with pytest.raises(ValidationError, match="expected_use"):
            ctx.compute.create("bad", 1, expected_use=bad)
    assert [(pm.used_cpu, pm.vm_count) for pm in ctx.store.pms.list()] == before
    assert ctx.store.vms.list() == []
    web = ctx.compute.create("web", 1, expected_use="web")[0]
    half = ctx.compute.create("half", 1, expected_use=0.5)[0]
    assert (web.expected_use, half.expected_use) == (0.3, 0.5)


def test_estimates_come_from_samples_and_recent_moves_and_maintenance_stay(ctx):
    busy, idle, moved = (ctx.compute.create(name, 2)[0] for name in ("busy", "idle", "moved"))
    parked = ctx.compute.create("parked", 3)[0]  # 4 CPUs: on the next host (first fit)
    assert parked.pmid != busy.pmid == idle.pmid == moved.pmid
    history_of(ctx, "v", busy.id, [90.0] * 8)        # p80 90 % of 2 vCPUs
    history_of(ctx, "v", idle.id, [5.0] * 8)
    history_of(ctx, "v", moved.id, [50.0] * 2)       # too few samples: all its vCPUs
    settings = dict(ctx.config["usage"], residence=600)
    with ctx.store.write() as conn:
        from service.store.schema import vms
        conn.execute(vms.update().where(vms.c.id == moved.id).values(moved_at=clock.now() - 60))
        conn.execute(vms.update().where(vms.c.id.in_([busy.id, idle.id, parked.id]))
                     .values(created_at=clock.now() - 3600))
    ctx.store.pms.set_maintenance(parked.pmid, True)
    fleet = usage_fleet(ctx.store, ctx.rules, settings, INTERVAL)
    use = {vm.id: fleet.vm_use(vm) for vm in fleet.vms}
    assert use[busy.id] == pytest.approx(1.8) and use[idle.id] == pytest.approx(0.1)
    assert "moved 60 s ago" in fleet.staying[moved.id]
    assert "maintenance" in fleet.staying[parked.id]
    # a VM that stays still counts on its host: all of its 2 vCPUs for the one too new to know
    row = fleet.row_of[moved.pmid]
    others = sum(fleet.vm_use(vm) for vm in fleet.vms if vm.host == row)
    assert fleet.used[-1, row] / 1000 == pytest.approx(others + 2.0, abs=0.01)


def test_a_breach_counts_only_when_it_lasted(ctx):
    first, second, third = (pm.id for pm in ctx.store.pms.list())
    settings = dict(ctx.config["usage"], hold=3 * INTERVAL)
    history_of(ctx, "h", first, [95.0, 96.0, 97.0, 95.0])           # every sample over 0.9
    history_of(ctx, "h", second, [40.0, 97.0, 95.0, 96.0])          # the dip is older
    history_of(ctx, "h", third, [10.0] * 4, steal=20.0)             # steal over 5 %
    fleet = usage_fleet(ctx.store, ctx.rules, settings, INTERVAL)
    pmids = {int(fleet.pmids[row]): why for row, why in fleet.breached.items()}
    assert "use over 90%" in pmids[first] and "steal over 5%" in pmids[third]
    assert second in pmids  # its last 3 samples are all over
    history_of(ctx, "h", second, [95.0, 97.0, 40.0])
    fleet = usage_fleet(ctx.store, ctx.rules, settings, INTERVAL)
    assert second not in {int(fleet.pmids[row]) for row in fleet.breached}


@pytest.mark.fleet(pms=2, capacity=(4, 4096, 40), policy="usage_fit")
def test_usage_fit_places_by_expected_use_and_names_it_when_none_has_room(ctx):
    # CPU allocatable 4 per host; use under 4 cores: 'batch' VMs (all their vCPUs) fill a host
    made = [ctx.compute.create(f"b{n}", 2, expected_use="batch")[0] for n in range(2)]
    assert made[0].pmid == made[1].pmid  # packed: 2 + 2 cores of use on 4
    light = [ctx.compute.create(f"l{n}", 1, expected_use="idle")[0] for n in range(2)]
    assert {vm.pmid for vm in light} != {made[0].pmid}
    with pytest.raises(NoCapacity, match="expected use"):
        ctx.compute.create("big", 3, expected_use="batch")
