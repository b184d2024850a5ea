"""A hypervisor host's schedulable capacity from its Ansible facts and settings.

Capacity = (advertised, or the facts), capped, minus what is reserved for the
host itself, times the allocation ratio of each resource, rounded down and
never below zero. playbooks/discover.yml computes it through the filter plugin
filter_plugins/vmfabric_capacity.py, which is this module, so an operator's
playbook run and the service always agree.
"""

import math

from service.resources import API_KEYS, GIB

DEFAULT_POOL_PATH = "/var/lib/libvirt/images"


class CapacityError(ValueError):
    """A fact or setting is missing or not a number."""


def _fact(facts, name):
    for key in (name, "ansible_" + name):
        if key in facts:
            return facts[key]
    raise CapacityError(f"fact {name!r} is missing (gather the 'hardware' subset)")


def pool_filesystem(mounts, pool_path):
    """The mount entry whose mount point is the longest prefix of POOL_PATH."""
    best = None
    for mount in mounts or []:
        point = mount.get("mount", "")
        prefix = point.rstrip("/") + "/"
        if (pool_path == point or pool_path.startswith(prefix) or point == "/") and (
                best is None or len(point) > len(best["mount"])):
            best = mount
    return best


def raw_capacity(facts, pool_path=DEFAULT_POOL_PATH):
    """CPU, RAM and the pool filesystem's size as the facts report them."""
    mount = pool_filesystem(_fact(facts, "mounts"), pool_path)
    if mount is None:
        raise CapacityError(f"no mounted filesystem holds {pool_path}")
    return {
        "cpu": int(_fact(facts, "processor_vcpus")),
        "ram_mb": int(_fact(facts, "memtotal_mb")),
        "disk_gb": int(mount["size_total"]) // GIB,
    }


def _number(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise CapacityError(f"{where}: expected a non-negative number, got {value!r}")
    return value


def host_capacity(facts, settings=None, ratio=None, pool_path=DEFAULT_POOL_PATH):
    """{'cpu', 'ram_mb', 'disk_gb', 'raw': {...}} for a host.

    SETTINGS may hold ``capacity`` (advertised; replaces the facts for what it
    names), ``capacity_cap`` and ``reserved``, each a dict of cpu, ram_mb and
    disk_gb; RATIO the allocation ratio of cpu, ram and disk (1.0 when missing).
    """
    settings = settings or {}
    ratio = ratio or {}
    advertised = settings.get("capacity") or {}
    needs_facts = any(key not in advertised for key in API_KEYS)
    base = raw_capacity(facts, pool_path) if needs_facts else {}
    base.update(advertised)
    cap = settings.get("capacity_cap") or {}
    reserved = settings.get("reserved") or {}
    result = {"raw": {}}
    for key, ratio_key in API_KEYS.items():
        value = _number(base.get(key), f"capacity.{key}")
        result["raw"][key] = int(value)
        if key in cap:
            value = min(value, _number(cap[key], f"capacity_cap.{key}"))
        value -= _number(reserved.get(key, 0), f"reserved.{key}")
        factor = _number(ratio.get(ratio_key, 1.0), f"allocation_ratio.{ratio_key}")
        result[key] = max(0, int(math.floor(value * factor + 1e-9)))
    return result
