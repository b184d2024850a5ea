"""One OpenSSH client configuration that every vmfabric SSH user shares.

Ansible (``-F`` in ``ansible_ssh_common_args``), libvirt's ``qemu+ssh``
transport (through the ``command=`` wrapper) and people at a shell all use
the same file, so host keys are verified the same way everywhere: keys live
in vmfabric's own known_hosts and an unknown or changed key is refused.
"""

import hashlib
import os
import stat
import tempfile

from service.util import write_atomically

CONFIG = """\
# written by vmfabric: host keys are verified against {known_hosts}
Host *
  User root
  IdentityFile {private_key}
  IdentitiesOnly yes
  UserKnownHostsFile {known_hosts}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  BatchMode yes
  ConnectTimeout 5
  ServerAliveInterval 5
  ServerAliveCountMax 3
"""

WRAPPER = """\
#!/bin/sh
# ssh with vmfabric's verified host keys (used by libvirt's qemu+ssh command=)
exec ssh -F '{config}' "$@"
"""


def write(directory, private_key, known_hosts, name="ssh"):
    """Write DIRECTORY/NAME_config and the DIRECTORY/NAME wrapper; return their paths.

    NAME "ssh" is for the hosts; "guests" verifies guests against their own known_hosts.
    """
    os.makedirs(directory, exist_ok=True)
    config = os.path.join(directory, f"{name}_config")
    wrapper = os.path.join(directory, name)
    _write_if_changed(config, CONFIG.format(private_key=private_key, known_hosts=known_hosts))
    _write_if_changed(wrapper, WRAPPER.format(config=config))
    os.chmod(wrapper, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP)
    return config, wrapper


def _write_if_changed(path, text):
    try:
        with open(path) as fh:
            if fh.read() == text:
                return
    except FileNotFoundError:
        pass
    write_atomically(path, text)


def control_dir(config_path):
    """A short directory for SSH control sockets, one per ssh_config.

    A master connection opened under one known_hosts file must never carry a
    connection that should be verified against another; and a socket path has
    only ~100 bytes, so the directory is short.
    """
    tag = hashlib.sha256(os.path.abspath(config_path).encode()).hexdigest()[:12]
    path = os.path.join(tempfile.gettempdir(), f"vmfabric-cp-{tag}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path
