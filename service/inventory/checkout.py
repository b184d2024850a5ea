"""The checkout's inventory/: where operators look, linked to one installation's own.

Each installation writes its inventory (hosts.yml, clusters/) under its own home
(``inventory.path``), so a second installation or a test run never writes over
another's. The checkout's ``inventory/hosts.yml`` and ``inventory/clusters``
are links to the installation that took them first: an installation links them
when they are missing, when they point nowhere any more (that installation is
gone), or when they are its own already, and leaves them alone otherwise. A
plain hosts.yml an earlier release wrote there is taken over only by the
installation whose SSH key it names.
"""

import os

import yaml

from service.paths import INVENTORY_DIR

HOSTS = os.path.join(INVENTORY_DIR, "hosts.yml")
CLUSTERS = os.path.join(INVENTORY_DIR, "clusters")


def link(config):
    """Point the checkout's inventory at CONFIG's installation if it is free for it; True if it
    does now."""
    own = os.path.abspath(config["inventory"]["path"])
    if own == HOSTS:
        return True  # this installation writes there itself
    if not _free_for(own, config["ssh"]["private_key"]):
        return False
    os.makedirs(os.path.dirname(own), exist_ok=True)
    _replace_with_link(HOSTS, own)
    _replace_with_link(CLUSTERS, os.path.join(os.path.dirname(own), "clusters"))
    return True


def owner():
    """The inventory the checkout's hosts.yml links to, or None."""
    return os.path.realpath(HOSTS) if os.path.islink(HOSTS) else None


def _free_for(own, private_key):
    if not os.path.lexists(HOSTS):
        return True
    if os.path.islink(HOSTS):
        target = os.path.join(INVENTORY_DIR, os.readlink(HOSTS))
        return os.path.abspath(target) == own or not os.path.exists(target)
    return _names_key(HOSTS, private_key)


def _names_key(path, private_key):
    """True when the inventory at PATH logs in with PRIVATE_KEY (an earlier release wrote it
    for this installation)."""
    try:
        with open(path) as fh:
            data = yaml.safe_load(fh) or {}
        group = data["all"]["children"]["hypervisors"]["vars"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return False
    return group.get("ansible_ssh_private_key_file") == private_key


def _replace_with_link(path, target):
    if os.path.lexists(path) and not os.path.islink(path) and os.path.isdir(path):
        return  # a directory of an earlier release's cluster inventories: left as it is
    tmp = f"{path}.{os.getpid()}.link"
    os.symlink(target, tmp)
    os.replace(tmp, path)
