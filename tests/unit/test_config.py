"""Configuration: defaults, a YAML file, overrides; every bad value named with its setting."""

import pytest

from service import config as config_mod
from service.errors import ConfigError


def test_a_file_overrides_defaults_and_keeps_the_rest(tmp_path):
    path = tmp_path / "vmfabric.yml"
    path.write_text("server: {port: 8080, log_level: debug}\nplacement: {policy: first_fit}\n")
    cfg = config_mod.load(str(path), home=str(tmp_path))
    assert cfg["server"]["port"] == 8080
    assert cfg["server"]["log_level"] == "debug"
    assert cfg["server"]["threads"] == 16
    assert cfg["placement"]["policy"] == "first_fit"


@pytest.mark.parametrize("text, message", [
    ("server: {prot: 80}\n", "unknown setting 'server.prot'"),
    ("server: {port: eighty}\n", "setting 'server.port': expected int, got 'eighty'"),
    ("server: {log_level: loud}\n", "server.log_level: 'loud' is not one of debug, info"),
    ("placement: {max_attempts: 0}\n", "placement.max_attempts: must be at least 1"),
    ("- a list\n", "the configuration must be a mapping"),
])
def test_a_bad_setting_is_named_with_the_file(tmp_path, text, message):
    path = tmp_path / "vmfabric.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        config_mod.load(str(path), home=str(tmp_path))
    assert message in str(info.value)
    if "unknown setting" in message or "expected" in message:
        assert str(path) in str(info.value)
