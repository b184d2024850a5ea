"""Claims in a real SQLite file: 50 concurrent creates, room for exactly 6."""

import threading

import pytest

from service import config as config_mod
from service.errors import NoCapacity
from service.resources import Resources
from service.placement.scheduler import Scheduler
from service.store import Store


@pytest.fixture
def store(tmp_path, database):
    s = Store(database or f"sqlite:///{tmp_path / 'vmfabric.db'}")
    yield s
    s.dispose()


def add_pm(store, address, cpu, ram_mb, disk_gb, state="up"):
    pmid = store.pms.add({"address": address, "port": 22, "user": "root",
                          "libvirt_uri": "test:///default", "settings": {}, "state": state,
                          "reason": "", "domain_type": "qemu"})
    store.pms.record_discovery(pmid, state=state, capacity={"cpu": cpu, "ram_mb": ram_mb,
                                                           "disk_gb": disk_gb})
    return pmid


def vm_row(name, request):
    return {"name": name, "tid": 1, "image_id": 1, "cpu": request.cpu,
            "ram_mb": request.ram_mb, "disk_gb": request.disk_gb}


@pytest.mark.parametrize("policy", ["round_robin", "first_fit", "best_fit", "worst_fit"])
def test_fifty_threads_exactly_six_succeed(store, tmp_path, policy):
    # room for 2 + 3 + 1 VMs of this size
    add_pm(store, "127.0.0.11", 4, 4096, 20)
    add_pm(store, "127.0.0.12", 6, 8192, 20)
    add_pm(store, "127.0.0.13", 3, 2048, 20)
    add_pm(store, "127.0.0.14", 64, 65536, 100, state="down")
    cfg = config_mod.load(overrides={"placement": {"policy": policy}}, home=str(tmp_path))
    scheduler = Scheduler(cfg, store)
    request = Resources(2, 1024, 5)
    results, barrier = [], threading.Barrier(50)

    def create(n):
        barrier.wait()
        try:
            results.append(scheduler.claim([vm_row(f"vm{n}", request)], [request])[0])
        except NoCapacity as exc:
            results.append(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    created = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, NoCapacity)]
    assert len(created) == 6 and len(refused) == 44
    assert all("no host has room" in str(r) for r in refused)
    for pm in store.pms.list():
        assert pm.used_cpu <= pm.cpu and pm.used_ram_mb <= pm.ram_mb
        assert pm.vm_count == len(store.vms.ids_on(pm.id))
    assert store.pms.get(4).vm_count == 0


def test_release_returns_capacity_exactly(store, tmp_path):
    pmid = add_pm(store, "127.0.0.11", 4, 4096, 20)
    scheduler = Scheduler(config_mod.load(home=str(tmp_path)), store)
    request = Resources(3, 3000, 7)
    vmid = scheduler.claim([vm_row("a", request)], [request])[0]
    pm = store.pms.get(pmid)
    assert (pm.used_cpu, pm.used_ram_mb, pm.used_disk_gb, pm.vm_count) == (3, 3000, 7, 1)
    with pytest.raises(NoCapacity):
        scheduler.claim([vm_row("b", request)], [request])
    store.vms.delete(vmid)
    pm = store.pms.get(pmid)
    assert (pm.used_cpu, pm.used_ram_mb, pm.used_disk_gb, pm.vm_count) == (0, 0, 0, 0)
    other = scheduler.claim([vm_row("c", request)], [request])[0]
    store.vms.fail(other, "define failed")
    assert store.pms.get(pmid).used_cpu == 0
    assert store.vms.get(other).state == "failed"


def test_round_robin_position_is_shared_through_the_store(store, tmp_path):
    for n in range(3):
        add_pm(store, f"127.0.0.{n + 11}", 8, 8192, 100)
    cfg = config_mod.load(overrides={"placement": {"policy": "round_robin"}}, home=str(tmp_path))
    first, second = Scheduler(cfg, store), Scheduler(cfg, Store(store.url))
    request = Resources(1, 512, 1)
    chosen = []
    for scheduler in (first, second, first, second):
        vmid = scheduler.claim([vm_row("x", request)], [request])[0]
        chosen.append(store.vms.get(vmid).pmid)
    assert chosen == [1, 2, 3, 1]


def test_batch_claims_all_or_nothing(store, tmp_path):
    add_pm(store, "127.0.0.11", 4, 4096, 20)
    add_pm(store, "127.0.0.12", 4, 4096, 20)
    scheduler = Scheduler(config_mod.load(home=str(tmp_path)), store)
    request = Resources(2, 1024, 1)
    with pytest.raises(NoCapacity):
        scheduler.claim([vm_row(f"c{n}", request) for n in range(5)], [request] * 5)
    assert store.vms.list() == []
    assert all(p.used_cpu == 0 for p in store.pms.list())
    # spread means distinct hosts: four VMs cannot spread over two hosts, and nothing is claimed
    with pytest.raises(NoCapacity, match="spread needs 4 distinct hosts"):
        scheduler.claim([vm_row(f"c{n}", request) for n in range(4)], [request] * 4,
                        placement="spread")
    assert store.vms.list() == []
    vmids = scheduler.claim([vm_row(f"s{n}", request) for n in range(2)], [request] * 2,
                            placement="spread")
    assert sorted(store.vms.get(v).pmid for v in vmids) == [1, 2]
    vmids = scheduler.claim([vm_row(f"p{n}", request) for n in range(2)], [request] * 2)
    assert len(vmids) == 2  # pack: both on one host, the last room there is


def test_policy_from_config_admin_change_and_config_change_on_restart(store, tmp_path):
    cfg = config_mod.load(overrides={"placement": {"policy": "first_fit"}}, home=str(tmp_path))
    assert Scheduler(cfg, store).policy_name == "first_fit"
    Scheduler(cfg, store).set_policy("worst_fit")
    assert Scheduler(cfg, store).policy_name == "worst_fit"  # same config: admin choice kept
    cfg2 = config_mod.load(overrides={"placement": {"policy": "round_robin"}}, home=str(tmp_path))
    assert Scheduler(cfg2, store).policy_name == "round_robin"  # changed config wins


def test_unknown_policy_in_config_fails_at_start(store, tmp_path):
    from service.errors import ConfigError

    cfg = config_mod.load(overrides={"placement": {"policy": "binpack"}}, home=str(tmp_path))
    with pytest.raises(ConfigError, match="known policies: best_fit, first_fit"):
        Scheduler(cfg, store)
