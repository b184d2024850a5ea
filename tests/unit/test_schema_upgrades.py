"""Schema upgrades keep data: a store of the previous release, filled, then opened by this one."""

import pytest
import sqlalchemy as sa

from service.store import Store, upgrade

ROWS = {
    "pms": [dict(id=1, address="10.0.0.5", port=22, user="root",
                 libvirt_uri="qemu+ssh://root@10.0.0.5:22/system", settings='{"note": "ü"}',
                 state="up", reason="", domain_type="qemu", cpu=8, ram_mb=8192, disk_gb=40,
                 used_cpu=2, used_ram_mb=1024, used_disk_gb=2, vm_count=1,
                 facts='{"raw": {"cpu": 8}}', discovered_at=1.5)],
    "images": [dict(id=1, name="guest", source="/i/guest.qcow2", path="/i/guest.qcow2",
                    format="qcow2", virtual_size=1 << 30, size=1 << 20, sha256="ab" * 32)],
    "types": [dict(tid=1, cpu=2, ram_mb=1024, disk_gb=2)],
    "vms": [dict(id=38201, name="web 'one'", tid=1, image_id=1, pmid=1, state="running",
                 domain_name="vmf-38201", cpu=2, ram_mb=1024, disk_gb=2, error="",
                 created_at=10.0, updated_at=11.0)],
    "host_images": [dict(pmid=1, image_id=1, volume="vmfabric-base-1-abababababab",
                         sha256="ab" * 32)],
    "kv": [dict(key="placement.policy", value="worst_fit")],
    "jobs": [dict(id=7, kind="discover", state="succeeded", params='{"pmids": null}',
                  result='{"pms": []}', error="", created_at=1.0, finished_at=2.0)],
}


def previous_release_store(url, stamped=True):
    """A store as release 0.1.0 left it (STAMPED: with Alembic's record; else as it made it)."""
    engine = sa.create_engine(url)
    upgrade.upgrade(engine, upgrade.FIRST)
    with engine.begin() as conn:
        for table, rows in ROWS.items():
            for row in rows:
                columns = ", ".join(f'"{c}"' for c in row)
                values = ", ".join(f":{c}" for c in row)
                conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)
        if engine.dialect.name == "postgresql":
            # the rows above came with their ids: a store that made them would have moved its
            # sequences on (SQLite's AUTOINCREMENT does that by itself)
            for table in ("pms", "images", "vms", "jobs"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
        if not stamped:
            conn.execute(sa.text("DROP TABLE alembic_version"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_store_url(request, tmp_path):
    """Where a store is to be made: a SQLite file, or an empty PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return request.getfixturevalue("postgres").new_database(migrated=False)


@pytest.mark.parametrize("stamped", [True, False], ids=["migrated", "made-before-migrations"])
def test_an_upgrade_keeps_every_row(empty_store_url, stamped):
    url = empty_store_url
    previous_release_store(url, stamped)
    store = Store(url)  # opening the store upgrades it
    try:
        with store.engine.connect() as conn:
            assert upgrade.current(conn) == upgrade.head()
        pm = store.pms.get(1)
        assert (pm.address, pm.used_cpu, pm.vm_count, pm.settings) == ("10.0.0.5", 2, 1, {"note": "ü"})
        assert pm.unknown_domains == [] and pm.checked_at is None
        vm = store.vms.get(38201)
        assert (vm.name, vm.state, vm.pmid, vm.owner) == ("web 'one'", "running", 1, None)
        assert vm.state_at == 11.0  # its last change counts as its last confirmation
        assert store.catalog.image(1)["sha256"] == "ab" * 32
        assert store.catalog.type(1)["ram_mb"] == 1024
        assert store.catalog.host_image(1, 1)["volume"] == "vmfabric-base-1-abababababab"
        assert store.get_kv("placement.policy") == "worst_fit"
        assert store.jobs.get(7)["state"] == "succeeded" and store.jobs.get(7)["owner"] is None
        # ids go on from where they were, never reused, even past one that was deleted
        store.vms.delete(38201)
        vmids = store.vms.create_with_claims([dict(name="new", tid=1, image_id=1, pmid=1, cpu=1,
                                                   ram_mb=512, disk_gb=1)])
        assert vmids[0] > 38201
        if store.engine.dialect.name != "sqlite":
            return
        with store.engine.connect() as conn:
            tables = dict(conn.execute(sa.text("SELECT name, sql FROM sqlite_master "
                                               "WHERE type = 'table'")).fetchall())
        for table in ("pms", "images", "vms", "jobs", "clusters", "users", "tokens", "events"):
            assert "AUTOINCREMENT" in tables[table].upper(), table
    finally:
        store.dispose()


def test_opening_an_upgraded_store_again_changes_nothing(empty_store_url):
    url = empty_store_url
    Store(url).dispose()
    engine = sa.create_engine(url)
    assert upgrade.upgrade(engine) == (upgrade.head(), upgrade.head())
    engine.dispose()
