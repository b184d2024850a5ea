"""The ``storage`` and ``ha`` settings: the shared-storage backends hosts may use, by name,
and how long a host may be down before its highly available VMs are restarted elsewhere;
each bad value is named with what it must be."""

from service.errors import ConfigError

DEFAULTS = {
    # shared storage, by name: {kind: iscsi_tgt, host: ADDRESS, path: /srv/vmfabric,
    # iqn_prefix: iqn.YYYY-MM.your.domain}; a host uses one through its vmfabric_storage
    # setting (the name), and every host naming it reaches it
    "storage": {},
    # high availability: seconds a host may be down before it is fenced and its `ha` VMs
    # restarted elsewhere; seconds a fence may take to be confirmed (power read back off)
    "ha": {"grace": 60, "fence_confirm": 30},
}


def check(data):
    from service import storage

    if not isinstance(data["storage"], dict):
        raise ConfigError(f"storage: a mapping of names to backends, not {data['storage']!r}")
    for name, spec in data["storage"].items():
        if not isinstance(spec, dict):
            raise ConfigError(f"storage.{name}: a mapping (kind, host, path ...), not {spec!r}")
        storage.backend(name, spec, ssh_config="")  # a bad kind, host, path or IQN is named
    for key, low, high in (("grace", 5, 86400), ("fence_confirm", 1, 600)):
        value = data["ha"][key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not low <= value <= high:
            raise ConfigError(f"ha.{key}: seconds from {low} to {high}, not {value!r}")
