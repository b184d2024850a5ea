"""Prepared reads return exactly what SQLAlchemy Core returns, and see every committed write."""

import threading

import pytest
import sqlalchemy as sa

from service.store import Store
from service.store.pms import GET_PM
from service.store.schema import pms, vms
from service.store.vms import GET_VM


@pytest.fixture
def store(tmp_path, database):
    store = Store(database or f"sqlite:///{tmp_path / 'vmfabric.db'}")
    yield store
    store.dispose()


def add_pm(store, address, settings=None):
    return store.pms.add({"address": address, "port": 22, "user": "root",
                          "libvirt_uri": f"qemu+ssh://root@{address}/system",
                          "settings": settings or {}, "state": "up", "reason": "",
                          "domain_type": "qemu"})


def add_vm(store, pmid, name, state="running"):
    with store.write() as conn:
        vmid = conn.execute(vms.insert().values(
            name=name, tid=1, image_id=1, pmid=pmid, state=state, cpu=1, ram_mb=512,
            disk_gb=1, created_at=1.0, updated_at=1.0)).inserted_primary_key[0]
    return vmid


def core_row(store, statement, params):
    with store.engine.connect() as conn:
        row = conn.execute(statement, params).first()
    return dict(row._mapping)


def test_a_row_with_json_columns_equals_cores(store):
    pmid = add_pm(store, "127.0.0.31", settings={"vmfabric_capacity": {"cpu": 4}, "note": "ü"})
    store.pms.record_discovery(pmid, state="up", capacity={"cpu": 4, "ram_mb": 2048, "disk_gb": 9},
                               facts={"raw": {"cpu": 8}})
    prepared = store.prepare(GET_PM).first({"pmid": pmid})
    assert prepared == core_row(store, GET_PM, {"pmid": pmid})
    assert prepared["settings"] == {"vmfabric_capacity": {"cpu": 4}, "note": "ü"}
    assert prepared["facts"] == {"raw": {"cpu": 8}}
    assert store.prepare(GET_PM).first({"pmid": pmid + 1}) is None


def test_literals_in_the_statement_are_bound_too(store):
    pmid = add_pm(store, "127.0.0.32")
    running = add_vm(store, pmid, "a")
    add_vm(store, pmid, "b", state="failed")
    later = add_vm(store, pmid, "c")
    # VMIDS_ON leaves out failed VMs through a literal compared in SQL
    assert store.vms.ids_on(pmid) == [running, later]
    assert store.prepare(GET_VM).first({"vmid": running}) == core_row(store, GET_VM, {"vmid": running})


def test_reads_see_each_committed_write_at_once(store):
    pmid = add_pm(store, "127.0.0.33")
    assert store.pms.get(pmid).used_cpu == 0
    with store.write() as conn:
        conn.execute(pms.update().where(pms.c.id == pmid).values(used_cpu=3))
    assert store.pms.get(pmid).used_cpu == 3
    assert store.pms.ids() == [pmid]


def test_connections_are_reused_and_shared_safely_between_threads(store):
    pmid = add_pm(store, "127.0.0.34")
    errors = []

    def reader():
        try:
            for _ in range(200):
                assert store.pms.get(pmid).id == pmid
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # never more connections than threads reading at once
    assert 1 <= len({id(c) for c in store._read_connections._idle}) <= 8


def test_in_lists_are_refused(store):
    with pytest.raises(ValueError, match="IN-list"):
        store.prepare(sa.select(pms.c.id).where(pms.c.id.in_(sa.bindparam("ids", expanding=True))))
