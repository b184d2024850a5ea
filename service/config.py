"""vmfabric's configuration: defaults, then one YAML file, then explicit overrides.

Loaded once at start-up (`load`) and passed to whatever needs it; nothing
reads configuration at import time. Unknown keys and wrong types are refused
with the key's full name.
"""

import copy
import os

import yaml

from service.errors import ConfigError
from service.paths import INVENTORY_DIR


LOG_LEVELS = ("debug", "info", "warning", "error")


def _home():
    return os.environ.get("VMFABRIC_HOME", "/var/lib/vmfabric")


def defaults(home=None):
    home = home or _home()
    return {
        "home": home,
        # SQLAlchemy URL; SQLite in WAL mode by default
        "database": f"sqlite:///{os.path.join(home, 'vmfabric.db')}",
        "server": {"bind": "0.0.0.0", "port": int(os.environ.get("VMFABRIC_PORT", "80")),
                   "threads": 16,
                   # info: every change and failure; debug: every request, reads too
                   "log_level": "info"},
        "inventory": {
            "path": os.path.join(INVENTORY_DIR, "hosts.yml"),
            # per-host settings keyed by address (the lab writes one)
            "host_settings": None,
        },
        "ssh": {
            "user": "root",
            "private_key": os.path.join(home, "ssh", "id_ed25519"),
            "known_hosts": os.path.join(home, "ssh", "known_hosts"),
        },
        "discovery": {"fact_cache_timeout": 86400, "timeout": 120},
        "placement": {
            "policy": "best_fit",
            "allocation_ratio": {"cpu": 1.0, "ram": 1.0, "disk": 1.0},
            # hosts a create is tried on before the VM is reported failed
            "max_attempts": 3,
        },
        "libvirt": {"pool": "vmfabric", "pool_path": "/var/lib/libvirt/images"},
        "state_dir": os.path.join(home, "state"),
    }


class Config(dict):
    """A nested dict with attribute-free, explicit access: ``cfg['placement']['policy']``."""

    @property
    def ssh_dir(self):
        return os.path.join(self["state_dir"], "ssh")

    @property
    def fact_cache(self):
        return os.path.join(self["state_dir"], "facts")


def _merge(base, override, prefix=""):
    for key, value in override.items():
        name = f"{prefix}{key}"
        if key not in base:
            raise ConfigError(f"unknown setting {name!r}; known: {', '.join(sorted(base))}")
        current = base[key]
        if isinstance(current, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"setting {name!r} must be a mapping, not {value!r}")
            _merge(current, value, prefix=name + ".")
        else:
            if current is not None and value is not None and not _same_kind(current, value):
                raise ConfigError(f"setting {name!r}: expected {type(current).__name__}, "
                                  f"got {value!r}")
            base[key] = value


def _same_kind(current, value):
    if isinstance(current, bool) or isinstance(value, bool):
        return isinstance(current, bool) and isinstance(value, bool)
    if isinstance(current, (int, float)):
        return isinstance(value, (int, float))
    return isinstance(value, type(current))


def load(path=None, overrides=None, home=None):
    """Build the configuration. PATH may be None (defaults only) or a YAML file."""
    data = defaults(home)
    path = path or os.environ.get("VMFABRIC_CONFIG")
    if path:
        try:
            with open(path) as fh:
                from_file = yaml.safe_load(fh) or {}
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(from_file, dict):
            raise ConfigError(f"{path}: the configuration must be a mapping")
        if "home" in from_file and home is None:
            data = defaults(from_file["home"])
        try:
            _merge(data, from_file)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    if overrides:
        _merge(data, copy.deepcopy(overrides))
    _check(data)
    return Config(data)


def _check(data):
    for resource, ratio in data["placement"]["allocation_ratio"].items():
        if resource not in ("cpu", "ram", "disk"):
            raise ConfigError(f"placement.allocation_ratio.{resource}: unknown resource "
                              "(cpu, ram, disk)")
        if not isinstance(ratio, (int, float)) or ratio <= 0:
            raise ConfigError(f"placement.allocation_ratio.{resource}: must be a positive "
                              f"number, not {ratio!r}")
    if data["server"]["log_level"] not in LOG_LEVELS:
        raise ConfigError(f"server.log_level: {data['server']['log_level']!r} is not one of "
                          f"{', '.join(LOG_LEVELS)}")
    if int(data["placement"]["max_attempts"]) < 1:
        raise ConfigError("placement.max_attempts: must be at least 1")
