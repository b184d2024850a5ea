"""Policies and host constraints on plain host records."""

import pytest

from service.errors import ConfigError, NoCapacity
from service.placement.engine import Placer
from service.placement.hosts import HostTable
from service.placement.policies import POLICIES, get_policy
from service.resources import Resources
from tests.helpers.records import pm_record


def table(*hosts):
    """hosts: (pmid, (cap cpu, ram, disk), (used ...), state)"""
    rows = []
    for pmid, cap, used, *rest in hosts:
        state = rest[0] if rest else "up"
        rows.append(pm_record(pmid, cpu=cap[0], ram_mb=cap[1], disk_gb=cap[2], used_cpu=used[0],
                              used_ram_mb=used[1], used_disk_gb=used[2], state=state))
    return HostTable.from_pms(rows)


SMALL = Resources(1, 512, 1)


def pmids(t, rows):
    return [int(t.ids[i]) for i in rows]


def test_unknown_policy_lists_the_known_ones():
    with pytest.raises(ConfigError) as info:
        get_policy("bin_packing")
    for name in POLICIES:
        assert name in str(info.value)


def test_constraints_exclude_down_and_full_hosts():
    t = table((1, (4, 4096, 10), (0, 0, 0), "down"),
              (2, (4, 4096, 10), (4, 0, 0)),            # no CPU left
              (3, (4, 4096, 10), (0, 4000, 0)),         # no RAM left
              (4, (4, 4096, 10), (0, 0, 10)),           # no disk left
              (5, (4, 4096, 10), (0, 0, 0)),
              (6, (4, 4096, 10), (3, 3584, 9)))         # exactly room for SMALL
    for name in POLICIES:
        placer = Placer(name)
        assert pmids(t, placer.rank(t, SMALL, {}, 10)) in ([5, 6], [6, 5]), name
        assert pmids(t, placer.rank(t, Resources(1, 513, 1), {}, 10)) == [5]


def test_first_fit_takes_the_lowest_pmid():
    t = table((1, (2, 2048, 10), (2, 0, 0)), (2, (8, 8192, 10), (0, 0, 0)),
              (3, (2, 2048, 10), (0, 0, 0)))
    assert pmids(t, Placer("first_fit").rank(t, SMALL, {}, 3)) == [2, 3]


def test_best_fit_packs_on_all_three_resources():
    # host 2 is nearly full in CPU only; host 3 is evenly fuller overall: best_fit picks 3
    t = table((1, (8, 8192, 100), (0, 0, 0)),
              (2, (8, 8192, 100), (7, 0, 0)),
              (3, (8, 8192, 100), (5, 5120, 60)))
    assert pmids(t, Placer("best_fit").rank(t, SMALL, {}, 3)) == [3, 2, 1]


def test_worst_fit_spreads_to_the_least_loaded():
    t = table((1, (8, 8192, 100), (4, 4096, 50)),
              (2, (8, 8192, 100), (1, 1024, 10)),
              (3, (8, 8192, 100), (2, 2048, 20)))
    assert pmids(t, Placer("worst_fit").rank(t, SMALL, {}, 3)) == [2, 3, 1]


def test_round_robin_continues_after_the_last_host_and_wraps():
    t = table(*[(i, (8, 8192, 100), (0, 0, 0)) for i in (1, 2, 3, 4)])
    placer, state = Placer("round_robin"), {}
    chosen = []
    for _ in range(6):
        i = int(placer.rank(t, SMALL, state, 1)[0])
        placer.placed(t, i, state)
        chosen.append(int(t.ids[i]))
    assert chosen == [1, 2, 3, 4, 1, 2]


def test_round_robin_skips_hosts_without_room():
    t = table((1, (8, 8192, 100), (0, 0, 0)), (2, (8, 8192, 100), (8, 0, 0)),
              (3, (8, 8192, 100), (0, 0, 0)))
    state = {"round_robin.cursor": 1}
    assert pmids(t, Placer("round_robin").rank(t, SMALL, state, 3)) == [3, 1]


def test_no_candidate_gives_an_empty_ranking():
    t = table((1, (1, 512, 1), (1, 0, 0)))
    for name in POLICIES:
        assert len(Placer(name).rank(t, SMALL, {}, 3)) == 0


def test_batch_is_all_or_nothing():
    t = table((1, (4, 4096, 10), (0, 0, 0)), (2, (4, 4096, 10), (0, 0, 0)))
    placer = Placer("first_fit")
    rows = placer.rank_batch(t, [Resources(4, 1024, 1)] * 2, {}, "spread")
    assert sorted(pmids(t, rows)) == [1, 2]
    with pytest.raises(NoCapacity):
        placer.rank_batch(t, [Resources(4, 1024, 1)] * 3, {}, "pack")
    # the table itself is untouched by a batch decision
    assert t.free[0].tolist() == [4, 4]


def test_a_batch_follows_the_configured_policy_and_spread_adds_its_rule():
    """The policy chooses each member's host, seeing the members placed before it; spread
    adds distinct hosts on top of any policy, pack adds nothing."""
    t = table(*[(i, (8, 8192, 100), (0, 0, 0)) for i in (1, 2, 3, 4)])
    four = [Resources(2, 1024, 10)] * 4
    hosts_used = {name: len(set(pmids(t, Placer(name).rank_batch(t, four, {}, "pack"))))
                  for name in POLICIES}
    # usage_fit with nothing known of use packs allocations, as best_fit does
    assert hosts_used == {"best_fit": 1, "first_fit": 1, "round_robin": 4, "worst_fit": 4,
                          "usage_fit": 1}
    for name in POLICIES:
        assert sorted(pmids(t, Placer(name).rank_batch(t, four, {}, "spread"))) == [1, 2, 3, 4]


def test_usage_fit_packs_by_expected_use_under_the_ceiling_and_ram_stays_hard():
    """Allocated CPU overcommitted 4x (the operator's ratio), use under 0.8 of 8 cores,
    RAM as the host has it: the VM goes to the host its use fills best, not past the
    ceiling, and a host without the RAM is never chosen, however idle."""
    from service.placement.request import UsageRequest
    t = table((1, (32, 8192, 100), (20, 2048, 20)), (2, (32, 8192, 100), (10, 1024, 10)),
              (3, (32, 8192, 100), (2, 8192, 2)))
    t.with_use([5.0, 2.0, 0.1], [6.4, 6.4, 6.4])
    placer = Placer("usage_fit")
    assert pmids(t, placer.rank(t, UsageRequest(1, 512, 1, 1.0), {}, 3)) == [1, 2]
    assert pmids(t, placer.rank(t, UsageRequest(1, 512, 1, 2.0), {}, 3)) == [2]
    with pytest.raises(NoCapacity):
        placer.rank_batch(t, [UsageRequest(1, 512, 1, 2.5)] * 3, {}, "pack")
    assert pmids(t, placer.rank_batch(t, [UsageRequest(1, 512, 1, 1.0)] * 2, {}, "pack")) \
        == [1, 2]
