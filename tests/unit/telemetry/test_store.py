"""The rings in the store (either backend): first-tier rows rewritten in place, coarser steps
spliced into blocks, and a range read back whole and in order, however the rings came round."""

from service.store.samples import BLOCK_SLOTS
from service.telemetry import history, series
from service.telemetry.rates import FIELDS

HOUR = 3600


def values(n):
    return history.stored((float(n),) + (0.5,) * (len(FIELDS) - 1))


def steps(oid, tier, times, settings, first=0):
    """Steps at TIMES of series OID, the Nth (from FIRST) with CPU N."""
    step_tier = history.tiers_of(settings)[tier]
    return [{"kind": "v", "oid": oid, "tier": tier, "slot": step_tier.slot(at), "at": at,
             "record": history.step_record(at, values(first + n))}
            for n, at in enumerate(times)]


def test_coarser_steps_are_spliced_into_blocks_and_read_back_in_order(ctx):
    settings = ctx.config["telemetry"]
    now = 2_000_000_040.0  # a whole minute
    times = [now - 60 * k for k in range(BLOCK_SLOTS * 2 + 5)]  # three blocks' worth
    # written in pieces, as passes would: each splice keeps the steps written before it
    for start in range(0, len(times), 50):
        ctx.store.samples.put([], steps(7, 1, times[start:start + 50], settings, first=start))
    day = series.of(ctx.store, settings, "vm", 7, "24h", now=now + 1)
    assert day["step"] == 60
    assert day["at"] == sorted(times)
    assert day["series"]["cpu"] == [float(n) for n in reversed(range(len(times)))]
    assert day["series"]["cpu_max"] == day["series"]["cpu"]
    assert series.of(ctx.store, settings, "vm", 8, "24h", now=now + 1)["at"] == []


def test_a_ring_come_round_keeps_only_the_newer_step_and_the_range(ctx):
    settings = ctx.config["telemetry"]
    now = 2_000_000_040.0
    old, new = now - 24 * HOUR, now  # the same place in the 24 h ring
    ctx.store.samples.put([], steps(3, 1, [old, now - 60], settings))
    ctx.store.samples.put([], steps(3, 1, [new], settings))
    day = series.of(ctx.store, settings, "vm", 3, "24h", now=now + 1)
    assert day["at"] == [now - 60, new]
    first = history.tiers_of(settings)[0]
    rows = [{"kind": "v", "oid": 3, "tier": 0, "slot": first.slot(at), "at": at,
             "data": history.pack(values(n))} for n, at in enumerate([now - HOUR - 10, now])]
    ctx.store.samples.put(rows)
    hour = series.of(ctx.store, settings, "vm", 3, "1h", now=now + 1)
    assert hour["at"] == [now] and hour["series"]["cpu"] == [1.0]
