"""pmids: 1, 2, 3 in file order, stable across re-reads and restarts."""

from service import config as config_mod
from service.fleet import Fleet
from service.store import Store


def make_fleet(tmp_path):
    cfg = config_mod.load(overrides={"inventory": {"path": str(tmp_path / "hosts.yml")}},
                          home=str(tmp_path / "home"))
    return cfg, Fleet(cfg, Store(cfg["database"]))


def write(tmp_path, text):
    path = tmp_path / "pm_file"
    path.write_text(text)
    return str(path)


def test_pmids_follow_file_order_and_survive_a_reread_with_a_new_host(tmp_path, monkeypatch):
    monkeypatch.setattr("service.inventory.hostkeys.record", lambda *a, **k: False)
    cfg, fleet = make_fleet(tmp_path)
    pms, added = fleet.register_pm_file(write(tmp_path, "127.0.0.21\n127.0.0.22\n127.0.0.23\n"))
    assert added == [1, 2, 3]
    assert [p.address for p in pms] == ["127.0.0.21", "127.0.0.22", "127.0.0.23"]
    # a new host inserted in the middle of the file gets the next pmid, old ones stay
    pms, added = fleet.register_pm_file(
        write(tmp_path, "127.0.0.21\n127.0.0.24\n127.0.0.22\n127.0.0.23\n"))
    assert added == [4]
    assert {p.address: p.id for p in pms} == {
        "127.0.0.21": 1, "127.0.0.22": 2, "127.0.0.23": 3, "127.0.0.24": 4}
    # a restart (new Store on the same database file) keeps them
    again = Fleet(cfg, Store(cfg["database"]))
    assert again.store.pms.ids() == [1, 2, 3, 4]


def test_a_bad_file_registers_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr("service.inventory.hostkeys.record", lambda *a, **k: False)
    _, fleet = make_fleet(tmp_path)
    import pytest
    from service.errors import InventoryError

    with pytest.raises(InventoryError):
        fleet.register_pm_file(write(tmp_path, "127.0.0.21\nnot an address\n"))
    assert fleet.store.pms.ids() == []


def test_inventory_carries_the_host_variables(tmp_path, monkeypatch):
    import yaml

    monkeypatch.setattr("service.inventory.hostkeys.record", lambda *a, **k: False)
    cfg, fleet = make_fleet(tmp_path)
    fleet.register_pm_file(write(tmp_path, "ops@127.0.0.21:2222\n[::1]:2200\n"))
    inventory = yaml.safe_load(open(cfg["inventory"]["path"]))
    hosts = inventory["all"]["children"]["hypervisors"]["hosts"]
    shared = inventory["all"]["children"]["hypervisors"]["vars"]
    assert hosts["pm1"]["ansible_host"] == "127.0.0.21"
    assert hosts["pm1"]["ansible_port"] == 2222
    assert hosts["pm1"]["ansible_user"] == "ops"
    assert hosts["pm1"]["vmfabric_libvirt_uri"] == "qemu+ssh://ops@127.0.0.21:2222/system"
    assert hosts["pm2"]["vmfabric_libvirt_uri"] == "qemu+ssh://root@[::1]:2200/system"
    assert "-F " in shared["ansible_ssh_common_args"]
    # the pool is named once, in vmfabric's configuration
    assert shared["vmfabric_pool_name"] == cfg["libvirt"]["pool"]


def test_one_host_under_two_spellings_in_a_pm_file_is_refused(tmp_path, monkeypatch):
    import pytest
    from service.errors import InventoryError

    monkeypatch.setattr("service.inventory.hostkeys.record", lambda *a, **k: False)
    _, fleet = make_fleet(tmp_path)
    path = write(tmp_path, "127.0.0.1:2222\n# the same sshd\nlocalhost:2222\n127.0.0.1:2223\n")
    with pytest.raises(InventoryError, match=r"pm_file:3: localhost:2222 is the host of line 1"):
        fleet.register_pm_file(path)
    assert fleet.store.pms.ids() == []


def test_a_reread_takes_the_host_settings_as_they_are_now(tmp_path, monkeypatch):
    import yaml

    monkeypatch.setattr("service.inventory.hostkeys.record", lambda *a, **k: False)
    settings = tmp_path / "host_settings.yml"
    settings.write_text(yaml.safe_dump({"127.0.0.21": {"vmfabric_capacity": {"cpu": 4}}}))
    cfg = config_mod.load(overrides={"inventory": {"path": str(tmp_path / "hosts.yml"),
                                                   "host_settings": str(settings)}},
                          home=str(tmp_path / "home"))
    fleet = Fleet(cfg, Store(cfg["database"]))
    path = write(tmp_path, "127.0.0.21\n")
    fleet.register_pm_file(path)
    settings.write_text(yaml.safe_dump({"127.0.0.21": {"vmfabric_capacity": {"cpu": 6}}}))
    pms, added = Fleet(cfg, fleet.store).register_pm_file(path)
    assert added == [] and pms[0].settings == {"vmfabric_capacity": {"cpu": 6}}


def test_a_host_naming_a_storage_group_the_configuration_lacks_is_refused(tmp_path,
                                                                          monkeypatch):
    import pytest
    import yaml

    from service.errors import ValidationError

    monkeypatch.setattr("service.inventory.hostkeys.record", lambda *a, **k: False)
    settings = tmp_path / "host_settings.yml"
    settings.write_text(yaml.safe_dump({"127.0.0.21": {"vmfabric_storage": "san"}}))
    inventory = {"path": str(tmp_path / "hosts.yml"), "host_settings": str(settings)}
    cfg = config_mod.load(overrides={"inventory": inventory}, home=str(tmp_path / "home"))
    fleet = Fleet(cfg, Store(cfg["database"]))
    path = write(tmp_path, "127.0.0.21\n")
    with pytest.raises(ValidationError, match=r"settings.vmfabric_storage: 127.0.0.21: 'san' is "
                                              r"not a storage backend of the configuration "
                                              r"\(known: none\)"):
        fleet.register_pm_file(path)
    assert fleet.store.pms.ids() == []
    cfg = config_mod.load(overrides={"inventory": inventory, "storage": {"san": {
        "kind": "iscsi_tgt", "host": "10.0.0.10"}}}, home=str(tmp_path / "home"))
    pms, _ = Fleet(cfg, fleet.store).register_pm_file(path)
    assert pms[0].settings == {"vmfabric_storage": "san"}
