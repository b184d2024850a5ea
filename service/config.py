"""vmfabric's configuration: defaults, then one YAML file, then explicit overrides.

Loaded once at start-up (`load`) and passed to whatever needs it; nothing
reads configuration at import time. Unknown keys and wrong types are refused
with the key's full name.
"""

import copy
import logging
import os

import yaml

from service import defaults as env_defaults
from service.errors import ConfigError
from service.catalog import settings as image_settings
from service.storage import settings as storage_settings
from service.usage import settings as usage_settings

log = logging.getLogger("vmfabric.config")
LOG_LEVELS = ("debug", "info", "warning", "error")
# settings of earlier releases that no longer mean anything: accepted and ignored
RETIRED = {"discovery.fact_cache_timeout": "the fact cache's lifetime is ansible.cfg's "
                                           "fact_caching_timeout"}


def defaults(home=None):
    home = home or env_defaults.home()
    return {
        "home": home,
        # SQLAlchemy URL; SQLite in WAL mode by default
        "database": f"sqlite:///{os.path.join(home, 'vmfabric.db')}",
        "server": {"bind": "0.0.0.0", "port": env_defaults.port(),
                   "threads": 16,
                   # info: every change and failure; debug: every request, reads too
                   "log_level": "info",
                   # the names requests may carry in Host (null: this machine's names and
                   # the addresses of its interfaces); any other is refused (400)
                   "allowed_hosts": None,
                   # bytes a request body may have (413 beyond)
                   "max_body": 1024 * 1024,
                   # nginx: Debian's nginx reads whole requests before the application
                   # (slow clients cannot hold its threads); none: gunicorn listens itself
                   "front": "nginx"},
        "inventory": {
            # the installation's own (the checkout's inventory/ links to one installation's)
            "path": os.path.join(home, "inventory", "hosts.yml"),
            # per-host settings keyed by address (the lab writes one)
            "host_settings": None,
        },
        "ssh": {
            "user": "root",
            "private_key": os.path.join(home, "ssh", "id_ed25519"),
            "known_hosts": os.path.join(home, "ssh", "known_hosts"),
        },
        # seconds a whole discovery run may take
        "discovery": {"timeout": 120},
        "placement": {
            "policy": "best_fit",
            "allocation_ratio": {"cpu": 1.0, "ram": 1.0, "disk": 1.0},
            # hosts a create is tried on before the VM is reported failed
            "max_attempts": 3,
        },
        "libvirt": {
            # the storage pool on every host (made on first use if a host lacks it)
            "pool": "vmfabric", "pool_path": "/var/lib/libvirt/images",
            # seconds any one libvirt call may take before the host counts as unreachable
            "call_timeout": 30,
            # keepalive probes: every N seconds, the peer is dead after COUNT unanswered
            "keepalive_interval": 5, "keepalive_count": 3,
        },
        # the seed API: open (no credentials, as the built-in account "seed"), token (an API
        # token in ?token= or Authorization), off
        "seed_api": "open",
        "identity": {
            # seconds an API token lives (a login's and the most any token may)
            "token_ttl": 30 * 86400,
            # what a member may hold unless an admin sets their own limits (null: no limit)
            "default_quota": {"cpu": 32, "ram_mb": 65536, "disk_gb": 500, "vms": 50},
        },
        # guests' networks, by name: {cidr, gateway, dns: [...], range: [first, last]};
        # a host joins guests to one through its vmfabric_guest_network setting
        "networks": {},
        # the periodic sync: every interval seconds one process (of all servers on this
        # store) reads every host's domains; processes beat every heartbeat seconds and
        # are dead (their work taken over) after dead_after seconds of silence
        "sync": {"interval": 30, "host_timeout": 10, "heartbeat": 5, "dead_after": 20,
                 # seconds a host may stay down before it is reported failed, with its VMs
                 "host_grace": 300},
        # what VMs may do once made
        "compute": {
            # seconds a migration may take; then it is aborted and the VM stays where it was
            "migration_timeout": 600,
            # MiB/s a migration's streams may use (0: as fast as they go)
            "migration_bandwidth": 0,
            # what a new VM may grow to while it runs, as a multiple of its size: vCPUs
            # hot-plugged, memory given back by its balloon (1: no live growth)
            "headroom": {"cpu": 2, "ram": 2},
            # snapshots each VM may keep
            "max_snapshots": 5,
            # seconds a guest has to let go of a volume being detached (asked again every
            # 2 s: a guest still booting ignores the first request)
            "detach_timeout": 30,
            # seconds a guest has to power off after `shutdown`; then it is reported (or,
            # with force, stopped)
            "shutdown_timeout": 120,
        },
        # what guests and hosts use, read every interval seconds (with the sync, by the
        # process holding its lease) and kept in tiers: a sample every step seconds for
        # keep seconds (service/telemetry)
        "telemetry": {"enabled": True, "interval": 10, "listen": None,
                      "tiers": [{"step": 10, "keep": 3600}, {"step": 60, "keep": 86400},
                                {"step": 600, "keep": 30 * 86400}]},
        **copy.deepcopy(usage_settings.DEFAULTS),
        **copy.deepcopy(image_settings.DEFAULTS),
        **copy.deepcopy(storage_settings.DEFAULTS),
        "state_dir": os.path.join(home, "state"),
    }


class Config(dict):
    """A nested dict with attribute-free, explicit access: ``cfg['placement']['policy']``."""

    @property
    def ssh_dir(self):
        return os.path.join(self["state_dir"], "ssh")

    @property
    def fact_cache(self):
        """Ansible's fact cache: beside the inventory, where ansible.cfg points operators too."""
        return os.path.join(os.path.dirname(os.path.abspath(self["inventory"]["path"])), ".facts")


# settings whose keys are the user's own names (each checked where it is used)
OPEN_MAPPINGS = ("networks", "storage")


def _merge(base, override, prefix=""):
    for key, value in override.items():
        name = f"{prefix}{key}"
        if name in RETIRED:
            log.warning("setting %s is no longer used (%s); remove it", name, RETIRED[name])
            continue
        if name in OPEN_MAPPINGS:
            if not isinstance(value, dict):
                raise ConfigError(f"setting {name!r} must be a mapping, not {value!r}")
            base[key] = copy.deepcopy(value)
            continue
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
    if data["seed_api"] not in ("open", "token", "off"):
        raise ConfigError(f"seed_api: {data['seed_api']!r} is not one of open, token, off")
    for name, limit in data["identity"]["default_quota"].items():
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)
                                  or limit < 0):
            raise ConfigError(f"identity.default_quota.{name}: a number (or null), not {limit!r}")
    _check_server(data["server"])
    if int(data["placement"]["max_attempts"]) < 1:
        raise ConfigError("placement.max_attempts: must be at least 1")
    for section, keys in (("sync", ("interval", "host_timeout", "heartbeat", "dead_after",
                                    "host_grace")),
                          ("libvirt", ("call_timeout", "keepalive_interval", "keepalive_count")),
                          ("compute", ("migration_timeout", "max_snapshots", "detach_timeout",
                                       "shutdown_timeout"))):
        for key in keys:
            if not data[section][key] > 0:
                raise ConfigError(f"{section}.{key}: must be a positive number of seconds, "
                                  f"not {data[section][key]!r}")
    bandwidth = data["compute"]["migration_bandwidth"]
    if isinstance(bandwidth, bool) or not isinstance(bandwidth, int) or bandwidth < 0:
        raise ConfigError(f"compute.migration_bandwidth: MiB/s as a whole number (0: no limit), "
                          f"not {bandwidth!r}")
    for resource, factor in data["compute"]["headroom"].items():
        if resource not in ("cpu", "ram"):
            raise ConfigError(f"compute.headroom.{resource}: unknown resource (cpu, ram)")
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 1 <= factor <= 16:
            raise ConfigError(f"compute.headroom.{resource}: a factor from 1 to 16, not {factor!r}")
    from service.network.pools import pools_from_config

    pools_from_config(data["networks"])  # every network's settings, or a ConfigError naming one
    _check_telemetry(data["telemetry"])
    usage_settings.check(data)
    image_settings.check(data)
    storage_settings.check(data)
    if data["sync"]["dead_after"] < 2 * data["sync"]["heartbeat"]:
        raise ConfigError("sync.dead_after: must be at least twice sync.heartbeat, or a live "
                          "process could be taken for dead")


def _check_telemetry(settings):
    from service.telemetry.listener import address_of

    if settings["listen"] is not None:
        address_of(settings["listen"])
    interval, tiers = settings["interval"], settings["tiers"]
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        raise ConfigError(f"telemetry.interval: whole seconds (at least 1), not {interval!r}")
    if not isinstance(tiers, list) or not tiers:
        raise ConfigError("telemetry.tiers: a list of {step, keep} (seconds), finest first")
    previous = None
    for n, tier in enumerate(tiers):
        step, keep = (tier.get("step"), tier.get("keep")) if isinstance(tier, dict) else (0, 0)
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (step, keep)) \
                or keep % step or (previous and (step % previous or step <= previous)):
            raise ConfigError(f"telemetry.tiers[{n}]: {{step, keep}} in whole seconds, keep a "
                              f"multiple of step, each step a multiple of the one before, not "
                              f"{tier!r}")
        previous = step
    if tiers[0]["step"] != interval:
        raise ConfigError(f"telemetry.tiers[0].step: the interval ({interval!r} s), not "
                          f"{tiers[0]['step']!r}: the first tier keeps every sample")


def _check_server(server):
    if server["log_level"] not in LOG_LEVELS:
        raise ConfigError(f"server.log_level: {server['log_level']!r} is not one of "
                          f"{', '.join(LOG_LEVELS)}")
    hosts = server["allowed_hosts"]
    if hosts is not None and (not isinstance(hosts, list) or not hosts
                              or not all(isinstance(h, str) and h.strip() for h in hosts)):
        raise ConfigError(f"server.allowed_hosts: a list of host names and addresses (or "
                          f"null for this machine's own), not {hosts!r}")
    if server["front"] not in ("nginx", "none"):
        raise ConfigError(f"server.front: {server['front']!r} is not one of nginx, none")
    max_body = server["max_body"]
    if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 1024:
        raise ConfigError(f"server.max_body: a number of bytes of at least 1024, not {max_body!r}")
