"""The sorted target index picks what a scan of every host would: the same best fit for each
VM, so consolidate's plans are the same plans, only found faster."""

import random

import numpy as np
import pytest

from service.rebalance import make_plan
from service.rebalance.model import Fleet, Vm
from service.rebalance.targets import Targets, load


def scan_best_fit(fleet, vm, row, candidates):
    """The reference: every host tested, the least room left taken (ties: the lowest row)."""
    mask = fleet.fits(vm, [row]) & candidates
    if not mask.any():
        return None
    leftover = ((fleet.cap - fleet.used - vm.need[:, None]) * fleet.inv_cap).sum(axis=0)
    return int(np.argmin(np.where(mask, leftover, np.inf)))


def random_fleet(seed, hosts=40):
    rng = random.Random(seed)
    caps = [rng.choice([(8, 16384, 400), (16, 32768, 400), (16, 16384, 800)])
            for _ in range(hosts)]
    groups = [rng.choice([0, 0, 1]) for _ in range(hosts)]
    cap = np.array(caps, dtype=np.int64).T
    used, vms = np.zeros_like(cap), []
    for row in range(hosts):
        for _ in range(rng.randint(0, 5)):
            need = np.array(rng.choice([(1, 1024, 20), (2, 4096, 40), (4, 2048, 10)]))
            if np.all(used[:, row] + need <= cap[:, row]):
                used[:, row] += need
                spread = rng.choice([-1, -1, -1, rng.randint(0, 3)])
                if spread >= 0 and any(v.spread == spread and v.host == row for v in vms):
                    spread = -1
                vms.append(Vm(id=len(vms) + 1, host=row, need=need, group=groups[row],
                              spread=spread))
    return lambda: Fleet(pmids=range(1, hosts + 1), cap=cap, used=used.copy(),
                         open_=[True] * hosts, groups=groups,
                         vms=[Vm(v.id, v.host, v.need, v.group, v.spread) for v in vms])


@pytest.mark.parametrize("seed", range(20))
def test_the_index_picks_what_a_scan_of_every_host_picks_move_after_move(seed):
    fleet = random_fleet(seed)()
    rng = random.Random(seed)
    candidates = fleet.open & (fleet.count > 0)
    targets = Targets(fleet, candidates)
    for _ in range(60):
        vm = rng.choice(fleet.vms)
        expected = scan_best_fit(fleet, vm, vm.host, candidates & targets.member)
        assert targets.best_fit(vm, exclude=vm.host) == expected
        if expected is not None:
            source = vm.host
            fleet.move(vm, expected)
            targets.changed(source, expected)
        if rng.random() < 0.1:  # a host closes (emptied by a plan)
            row = rng.randrange(len(fleet.pmids))
            targets.remove(row)


def scan_least_loaded(fleet, vm, limit):
    """The reference: every host tested, the lowest load with VM under LIMIT taken."""
    mask = fleet.fits(vm) & np.all(fleet.used + vm.need[:, None] <= fleet.cap * limit + 1e-9,
                                   axis=0)
    if not mask.any():
        return None
    after = ((fleet.used + vm.need[:, None]) * fleet.inv_cap).max(axis=0)
    return int(np.argmin(np.where(mask, after, np.inf)))


@pytest.mark.parametrize("seed", range(20))
def test_the_least_loaded_target_is_what_a_scan_of_every_host_finds(seed):
    fleet = random_fleet(seed)()
    rng = random.Random(seed)
    limit = np.array([[0.8], [0.7], [0.9]])
    targets = Targets(fleet, fleet.open.copy(), key=load, limit=limit)
    for _ in range(60):
        vm = rng.choice(fleet.vms)
        expected = scan_least_loaded(fleet, vm, limit)
        assert targets.least_loaded(vm) == expected
        if expected is not None:
            source = vm.host
            fleet.move(vm, expected)
            targets.changed(source, expected)


@pytest.mark.parametrize("seed", range(10))
def test_consolidate_never_overcommits_and_frees_hosts(seed):
    make = random_fleet(seed)
    fleet = make()
    before = int((fleet.count > 0).sum())
    plan = make_plan(make(), "consolidate")
    replayed = make()
    by_id = {vm.id: vm for vm in replayed.vms}
    for move in plan["moves"]:
        replayed.move(by_id[move["vmid"]], replayed.row_of[move["to"]])
        assert np.all(replayed.used <= replayed.cap)
    assert int((replayed.count > 0).sum()) <= before
