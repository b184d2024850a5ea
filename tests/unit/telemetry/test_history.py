"""The bounded tiers: a ring that never grows, coarser steps as means (and the highest CPU),
percentiles, the tier that keeps a range."""

import math

import pytest

from service import config as config_mod
from service.errors import ConfigError
from service.telemetry import history
from service.telemetry.rates import FIELDS

TIERS = [history.Tier(10, 3600), history.Tier(60, 86400), history.Tier(600, 30 * 86400)]


def values(cpu):
    return history.stored((cpu,) + (1.0,) * (len(FIELDS) - 1))


def test_a_ring_comes_round_to_the_same_slots():
    tier = TIERS[0]
    slots = {tier.slot(1_000_000 + n * 10) for n in range(3 * tier.slots)}
    assert slots == set(range(tier.slots)) and tier.slots == 360


def test_a_coarser_step_is_the_mean_and_keeps_the_highest_cpu():
    sampler = history.Downsampler(TIERS)
    start = 1_000_020  # a minute boundary (1_000_020 = 16667 * 60)
    closed = []
    for n, cpu in enumerate([10, 20, 30, 40, 50, 90]):
        closed += sampler.add("vm", start + n * 10, values(cpu))
    assert closed == []  # the minute is still open
    closed = sampler.add("vm", start + 60, values(0))
    assert [(tier, at) for tier, at, _ in closed] == [(1, start)]
    mean = closed[0][2]
    assert mean[0] == 40.0 and mean[-1] == 90.0 and mean[1] == 1.0
    assert len(history.pack(mean)) == 48 and history.unpack(history.pack(mean))[0] == 40.0


def test_the_open_steps_of_series_that_are_gone_are_dropped():
    sampler = history.Downsampler(TIERS)
    sampler.add(("v", 1), 1000, values(1))
    sampler.add(("v", 2), 1000, values(1))
    sampler.forget({("v", 2)})
    assert {key for key, _ in sampler._open} == {("v", 2)}


def test_percentiles_over_the_windows_leave_out_what_is_unknown():
    now = 10_000.0
    points = [(now - 10 * n, values(float(n))) for n in range(1, 361)]
    points.append((now - 5, values(math.nan)))
    found = history.summary(points, now)
    assert found["5m"]["cpu"] == {"p50": 15.0, "p95": 28.0, "max": 29.0}
    assert found["1h"]["cpu"]["max"] == 359.0
    assert history.summary([], now)["5m"]["cpu"] == {"p50": None, "p95": None, "max": None}


def test_each_range_is_read_from_the_finest_tier_that_keeps_it():
    assert [history.tier_for(TIERS, r) for r in ("1h", "24h", "30d")] == [0, 1, 2]
    assert history.tier_for(TIERS[:1], "30d") == 0


@pytest.mark.parametrize("telemetry, named", [
    ({"interval": 0}, "telemetry.interval"),
    ({"interval": 5}, "telemetry.tiers[0].step"),
    ({"tiers": [{"step": 10, "keep": 3605}]}, "telemetry.tiers[0]"),
    ({"tiers": [{"step": 10, "keep": 3600}, {"step": 15, "keep": 3600}]}, "telemetry.tiers[1]"),
    ({"tiers": []}, "telemetry.tiers"),
    ({"listen": "0.0.0.0:9464"}, "telemetry.listen"),
    ({"listen": "localhost"}, "telemetry.listen"),
])
def test_a_bad_telemetry_setting_is_named(tmp_path, telemetry, named):
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        config_mod.load(home=str(tmp_path), overrides={"telemetry": telemetry})
