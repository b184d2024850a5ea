"""A storage backend's settings are checked when it is made, each error naming the field."""

import pytest

from service import storage
from service.errors import ConfigError

GOOD = {"kind": "iscsi_tgt", "host": "10.0.0.10", "path": "/srv/vmfabric"}


@pytest.mark.parametrize("change, named", [
    ({"kind": "nfs"}, "storage.shared.kind: 'nfs' is not a storage backend"),
    ({"host": "storage; rm -rf /"}, "storage.shared.host"),
    ({"path": "/srv/$(reboot)"}, "storage.shared.path"),
    ({"path": "relative/dir"}, "storage.shared.path"),
    ({"iqn_prefix": "not-an-iqn"}, "storage.shared.iqn_prefix"),
])
def test_bad_settings_are_refused_naming_the_field(change, named):
    with pytest.raises(ConfigError, match=named.replace("(", r"\(").replace("$", r"\$")):
        storage.backend("shared", dict(GOOD, **change), "/dev/null")


def test_a_disk_is_named_by_its_vm():
    backend = storage.backend("shared", GOOD, "/dev/null")
    assert backend.source(7) == {"protocol": "iscsi", "name": "iqn.2026-12.io.vmfabric:vmf-7/1",
                                 "host": "10.0.0.10", "port": 3260}


def test_the_configuration_checks_its_storage_and_ha_sections():
    from service import config

    loaded = config.load(overrides={"storage": {"shared": GOOD}})
    assert loaded["storage"]["shared"]["host"] == "10.0.0.10" and loaded["ha"]["grace"] == 60
    with pytest.raises(ConfigError, match="storage.shared.host: 'storage' is not an address"):
        config.load(overrides={"storage": {"shared": dict(GOOD, host="storage")}})
    with pytest.raises(ConfigError, match="ha.grace: seconds from 5 to 86400, not 0"):
        config.load(overrides={"ha": {"grace": 0}})
