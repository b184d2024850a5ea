"""Each installation's inventory is its own: the checkout's inventory/hosts.yml links to the
installation that took it first, and a second installation (or a test run) never writes over
it; a dangling link, or a plain file an earlier release wrote with this installation's key,
is taken over."""

import os

import pytest
import yaml

from service import config as config_mod
from service.inventory import checkout


@pytest.fixture
def checkout_dir(tmp_path, monkeypatch):
    """A stand-in for the checkout's inventory/ (the module's paths point there)."""
    directory = tmp_path / "checkout-inventory"
    directory.mkdir()
    monkeypatch.setattr(checkout, "INVENTORY_DIR", str(directory))
    monkeypatch.setattr(checkout, "HOSTS", str(directory / "hosts.yml"))
    monkeypatch.setattr(checkout, "CLUSTERS", str(directory / "clusters"))
    return directory


def installation(tmp_path, name):
    home = tmp_path / name
    cfg = config_mod.load(home=str(home))
    os.makedirs(os.path.dirname(cfg["inventory"]["path"]), exist_ok=True)
    with open(cfg["inventory"]["path"], "w") as fh:
        fh.write(f"# {name}\n")
    return cfg


def test_an_installation_writes_its_inventory_under_its_home(tmp_path):
    cfg = config_mod.load(home=str(tmp_path / "home"))
    assert cfg["inventory"]["path"] == str(tmp_path / "home" / "inventory" / "hosts.yml")


def test_the_first_installation_keeps_the_checkouts_inventory(tmp_path, checkout_dir):
    first, second = installation(tmp_path, "first"), installation(tmp_path, "second")
    assert checkout.link(first)
    assert not checkout.link(second)
    assert open(checkout_dir / "hosts.yml").read() == "# first\n"
    assert checkout.owner() == os.path.realpath(first["inventory"]["path"])
    assert checkout.link(first)  # its own: kept


def test_a_link_to_an_installation_that_is_gone_is_taken_over(tmp_path, checkout_dir):
    gone, new = installation(tmp_path, "gone"), installation(tmp_path, "new")
    checkout.link(gone)
    os.unlink(gone["inventory"]["path"])
    assert checkout.link(new)
    assert open(checkout_dir / "hosts.yml").read() == "# new\n"


def test_an_earlier_releases_file_goes_only_to_the_installation_it_was_for(tmp_path, checkout_dir):
    mine, other = installation(tmp_path, "mine"), installation(tmp_path, "other")
    old = {"all": {"children": {"hypervisors": {"vars": {
        "ansible_ssh_private_key_file": mine["ssh"]["private_key"]}}}}}
    (checkout_dir / "hosts.yml").write_text(yaml.safe_dump(old))
    assert not checkout.link(other)
    assert checkout.link(mine)
    assert os.path.islink(checkout_dir / "hosts.yml")
