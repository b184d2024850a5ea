"""Shared storage: disks every host of a group reaches, so a VM's disk is not tied to the host
it runs on (live migration moves memory only; a failed host's VMs restart elsewhere).

A backend is chosen by name in the configuration and keeps each VM's disk as something QEMU
opens over the network (an iSCSI LUN today), made, admitted to hosts, cut from a host and
removed through the backend. Adding a backend (Ceph RBD, an appliance's API) is one module
here and one line in BACKENDS.
"""

from service.errors import ConfigError
from service.storage import iscsi_tgt

BACKENDS = {"iscsi_tgt": iscsi_tgt.IscsiTgt}


def backend(name, spec, ssh_config, timeout=300.0):
    """The backend NAME of the configuration's storage section, made from SPEC."""
    kind = (spec or {}).get("kind")
    if kind not in BACKENDS:
        raise ConfigError(f"storage.{name}.kind: {kind!r} is not a storage backend; known: "
                          f"{', '.join(sorted(BACKENDS))}")
    return BACKENDS[kind](name, spec, ssh_config, timeout=timeout)
