"""Rebalance goals on plain host tables: no step of a plan overcommits a host (replayed step by
step on the fleet as it was), consolidate frees hosts of a fleet spread thin, balance brings
hosts under the threshold when it can and names those it cannot."""

import random

import numpy as np
import pytest

from service.rebalance import GOALS, USAGE_GOALS, make_plan
from service.rebalance.model import Fleet, Vm


def fleet_of(caps, vms, groups=None, open_=None):
    """CAPS: [(cpu, ram_mb, disk_gb)] per host; VMS: [(row, (cpu, ram_mb, disk_gb))]."""
    cap = np.array(caps, dtype=np.int64).T
    used = np.zeros_like(cap)
    records = []
    for n, (row, need) in enumerate(vms, start=1):
        used[:, row] += need
        records.append(Vm(id=n, host=row, need=np.array(need, dtype=np.int64), group=0
                          if groups is None else groups[row]))
    return Fleet(pmids=range(1, len(caps) + 1), cap=cap, used=used,
                 open_=[True] * len(caps) if open_ is None else open_,
                 groups=[0] * len(caps) if groups is None else groups, vms=records)


def replay(make, plan):
    """Apply PLAN's moves one by one to a fresh fleet (MAKE()); fail on any overcommit."""
    fleet = make()
    by_id = {vm.id: vm for vm in fleet.vms}
    for step, move in enumerate(plan["moves"]):
        vm = by_id[move["vmid"]]
        assert int(fleet.pmids[vm.host]) == move["from"], f"step {step}: vm not where planned"
        fleet.move(vm, fleet.row_of[move["to"]])  # raises on an overcommit at this step
        assert np.all(fleet.used <= fleet.cap), f"step {step} overcommits"
    return fleet


def thin(hosts=20, seed=7):
    rng = random.Random(seed)
    vms = [(row, rng.choice([(1, 512, 10), (2, 2048, 20), (4, 4096, 40)]))
           for row in range(hosts) for _ in range(rng.randint(1, 3))]
    return lambda: fleet_of([(16, 32768, 500)] * hosts, vms)


@pytest.mark.parametrize("goal", sorted(set(GOALS) - set(USAGE_GOALS)))
@pytest.mark.parametrize("seed", range(5))
def test_no_step_of_any_plan_overcommits(goal, seed):
    rng = random.Random(seed)
    caps = [(rng.choice([8, 16]), rng.choice([16384, 32768]), 400) for _ in range(15)]
    vms = []
    for row, cap in enumerate(caps):
        left = list(cap)
        for _ in range(rng.randint(0, 6)):
            need = rng.choice([(1, 1024, 20), (2, 4096, 40), (4, 8192, 80)])
            if all(n <= f for n, f in zip(need, left)):
                vms.append((row, need))
                left = [f - n for n, f in zip(need, left)]
    make = lambda: fleet_of(caps, vms)  # noqa: E731
    plan = make_plan(make(), goal, {"threshold": {"cpu": 0.5, "ram_mb": 0.5}, "pmid": 1})
    after = replay(make, plan)
    assert after.summary()["hosts_in_use"] == plan["after"]["hosts_in_use"]


def test_consolidate_frees_hosts_of_a_fleet_spread_thin():
    make = thin()
    plan = make_plan(make(), "consolidate")
    assert plan["after"]["hosts_in_use"] < plan["before"]["hosts_in_use"] / 2
    assert plan["after"]["hosts_in_use"] <= plan["after"]["lower_bound"] + 1
    moved = [m["vmid"] for m in plan["moves"]]
    assert len(moved) == len(set(moved)), "a VM moved twice"
    replay(make, plan)


def test_consolidate_keeps_a_host_whose_vms_cannot_all_leave():
    # host 1's big VM fits nowhere else; host 2's small one fits on host 1 but not host 3
    make = lambda: fleet_of([(8, 8192, 100), (8, 8192, 100), (2, 2048, 100)],  # noqa: E731
                            [(0, (6, 6144, 10)), (1, (2, 2048, 10)), (2, (2, 2048, 10))])
    plan = make_plan(make(), "consolidate")
    assert {(m["vmid"], m["to"]) for m in plan["moves"]} <= {(2, 1), (3, 1), (2, 3), (3, 2)}
    assert all(m["vmid"] != 1 for m in plan["moves"])
    replay(make, plan)


def test_vms_only_move_within_their_group_and_to_open_hosts():
    make = lambda: fleet_of([(8, 8192, 100)] * 4,  # noqa: E731
                            [(0, (1, 512, 1)), (1, (1, 512, 1)), (2, (1, 512, 1))],
                            groups=[0, 1, 0, 0], open_=[True, True, True, False])
    plan = make_plan(make(), "consolidate")
    assert [(m["vmid"], m["from"], m["to"]) for m in plan["moves"]] in (
        [(1, 1, 3)], [(3, 3, 1)])


def test_max_moves_stops_between_hosts():
    make = thin()
    full = make_plan(make(), "consolidate")
    capped = make_plan(make(), "consolidate", {"max_moves": 5})
    assert len(capped["moves"]) <= 5 < len(full["moves"])
    replay(make, capped)


def test_balance_brings_hosts_under_the_threshold_moving_little():
    make = lambda: fleet_of([(10, 10240, 100)] * 3,  # noqa: E731
                            [(0, (5, 1024, 1)), (0, (4, 1024, 1)), (0, (1, 1024, 1)),
                             (1, (2, 1024, 1))])
    plan = make_plan(make(), "balance", {"threshold": {"cpu": 0.8}})
    assert len(plan["moves"]) == 1 and plan["unresolved"] == []
    after = replay(make, plan)
    assert (after.utilisation()[0] <= 0.8).all()


def test_balance_says_which_host_it_could_not_bring_under():
    make = lambda: fleet_of([(10, 10240, 100), (10, 10240, 100)],  # noqa: E731
                            [(0, (9, 1024, 1)), (1, (5, 1024, 1))])
    plan = make_plan(make(), "balance", {"threshold": {"cpu": 0.8}})
    assert plan["moves"] == []
    assert plan["unresolved"] == [{"pmid": 1, "resource": "cpu", "utilisation": 0.9}]


def test_an_unknown_goal_is_refused_by_name():
    from service.errors import ValidationError

    with pytest.raises(ValidationError, match="consolidate"):
        make_plan(thin()(), "tidy")


def test_drain_empties_its_host_spreading_the_load():
    make = lambda: fleet_of([(8, 8192, 100)] * 3,  # noqa: E731
                            [(0, (2, 2048, 10)), (0, (2, 2048, 10)), (1, (4, 4096, 10))])
    plan = make_plan(make(), "drain", {"pmid": 1})
    assert sorted(m["vmid"] for m in plan["moves"]) == [1, 2] and plan["unresolved"] == []
    after = replay(make, plan)
    assert after.count[0] == 0 and after.count[2] >= 1  # the empty host took some


def test_the_simulator_rebalances_a_trace_and_counts_the_migrations():
    from service.simulate import replay as simulate, workload

    size = (16, 65536, 500)
    plain = simulate.run("round_robin", 40, size, workload.synthetic(600, 40, size, 3))
    packed = simulate.run("round_robin", 40, size, workload.synthetic(600, 40, size, 3),
                          goal="consolidate", every=100)
    assert plain["migrations"] == 0 and packed["migrations"] > 0 and packed["rebalances"] == 6
    assert packed["hosts_in_use_mean"] < plain["hosts_in_use_mean"]


def spread_fleet(spread_held=None):
    """Three hosts; a 3-node spread group (vms 1-3, one a host) beside small unrelated VMs,
    so that consolidating would pile the nodes together if it could."""
    caps = [(16, 32768, 500)] * 4
    vms = [(0, (1, 512, 10)), (1, (1, 512, 10)), (2, (1, 512, 10)),
           (3, (1, 512, 10)), (3, (1, 512, 10))]
    spread = [0, 0, 0, -1, -1]
    cap = np.array(caps, dtype=np.int64).T
    used = np.zeros_like(cap)
    records = []
    for n, ((row, need), group) in enumerate(zip(vms, spread), start=1):
        used[:, row] += need
        records.append(Vm(id=n, host=row, need=np.array(need, dtype=np.int64), group=0,
                          spread=group))
    return Fleet(pmids=range(1, 5), cap=cap, used=used, open_=[True] * 4, groups=[0] * 4,
                 vms=records, spread_held=spread_held)


def hosts_of_group(fleet, ids=(1, 2, 3)):
    return [int(fleet.pmids[vm.host]) for vm in fleet.vms if vm.id in ids]


@pytest.mark.parametrize("goal, options", [("consolidate", {}), ("consolidate", {"max_moves": 1}),
                                           ("balance", {"threshold": {"cpu": 0.01}}),
                                           ("drain", {"pmid": 1})])
def test_no_plan_puts_two_vms_of_a_spread_group_on_one_host(goal, options):
    """The rule a spread cluster was made under holds for every later move."""
    plan = make_plan(spread_fleet(), goal, options)
    after = replay(spread_fleet, plan)
    placed = hosts_of_group(after)
    assert len(set(placed)) == 3, (goal, plan["moves"], placed)


def test_a_drain_that_could_only_break_the_spread_rule_keeps_the_vm():
    """Three hosts hold the three nodes and the fourth a pinned node of the group: draining
    host 1 has nowhere to put its node."""
    fleet = spread_fleet(spread_held={0: [3]})
    plan = make_plan(fleet, "drain", {"pmid": 1})
    assert 1 not in [m["vmid"] for m in plan["moves"]]
    assert any(s["vmid"] == 1 for s in plan["unresolved"])


def test_the_model_refuses_a_step_that_joins_a_spread_group():
    fleet = spread_fleet()
    with pytest.raises(ValueError, match="spread group"):
        fleet.move(fleet.vms[0], 1)
