"""What an installation keeps across installs: its home to itself, and the SSH key its hosts
accept (install.sh runs again on an installation without breaking it)."""

import os
import sys

import yaml

from service.errors import VmfabricError
from service.util import run


def say(message):
    print(f"install.sh: {message}", file=sys.stderr, flush=True)


def private_home(home):
    """HOME and what it holds (the store, the configuration, the log: tokens, keys and
    addresses) are the installation's alone: the home 0700, its files 0600."""
    os.umask(0o077)
    os.makedirs(home, mode=0o700, exist_ok=True)
    os.chmod(home, 0o700)
    for name in os.listdir(home):
        path = os.path.join(home, name)
        if os.path.isfile(path) and not os.path.islink(path):
            os.chmod(path, os.stat(path).st_mode & 0o700)


def ssh_key(config_path, home):
    """The SSH settings an installation keeps: the key its hosts accept, named in its
    configuration, is never replaced by a new one (a missing one is refused, with the
    reason); a first install makes one."""
    existing = {}
    if os.path.exists(config_path):
        with open(config_path) as fh:
            existing = (yaml.safe_load(fh) or {}).get("ssh") or {}
    key = existing.get("private_key")
    if key:
        if not os.path.exists(key):
            raise VmfabricError(
                f"{config_path}: ssh.private_key {key} is missing, and it is the key this "
                f"installation's hosts accept; put it back (a new key would lock vmfabric out of "
                f"every host), or remove ssh.private_key there to make a new one")
        return {"private_key": key,
                "known_hosts": existing.get("known_hosts")
                or os.path.join(home, "ssh", "known_hosts")}
    return _own_ssh_key(home)


def _own_ssh_key(home):
    key = os.path.join(home, "ssh", "id_ed25519")
    if not os.path.exists(key):
        os.makedirs(os.path.dirname(key), mode=0o700, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "vmfabric", "-f", key])
        with open(key + ".pub") as fh:
            say("generated vmfabric's SSH key; authorise it on every PM "
                f"(~/.ssh/authorized_keys of the pm_file user):\n  {fh.read().strip()}")
    return {"private_key": key, "known_hosts": os.path.join(home, "ssh", "known_hosts")}
