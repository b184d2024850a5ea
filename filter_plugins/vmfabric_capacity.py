"""Ansible filter: a hypervisor host's schedulable capacity from its facts.

Used by playbooks/discover.yml and, loaded from this same file, by the
vmfabric service, so operators and the service compute capacity one way.
"""

import math

DOCUMENTATION = """
name: vmfabric_host_capacity
short_description: Schedulable CPU, RAM (MB) and disk (GB) of a hypervisor host
description:
  - Starts from the gathered facts (ansible_processor_vcpus, ansible_memtotal_mb and the
    size of the filesystem holding the image pool), or from an advertised capacity when
    the host sets one; then applies a cap, subtracts reserved resources and multiplies by
    the allocation ratio of each resource (rounded down, never below 0).
options:
  _input:
    description: The host's facts (ansible_facts, with or without the ansible_ prefix).
    type: dict
    required: true
  settings:
    description: >
      Per-host settings, any of capacity (advertised), capacity_cap and reserved, each a
      dict with cpu, ram_mb and disk_gb.
    type: dict
  ratio:
    description: Allocation ratio per resource (cpu, ram, disk); 1.0 when missing.
    type: dict
  pool_path:
    description: Directory of the libvirt image pool; its filesystem gives the disk size.
    type: str
    default: /var/lib/libvirt/images
"""

EXAMPLES = """
# 8 vCPUs, 16000 MB, pool on a 100 GiB filesystem, CPU overcommitted 4:1, 2 GB RAM kept back
- ansible.builtin.set_fact:
    vmfabric_discovered: >-
      {{ ansible_facts | vmfabric_host_capacity(
           settings={'reserved': {'ram_mb': 2048}},
           ratio={'cpu': 4.0, 'ram': 1.0, 'disk': 1.0}) }}
# -> {'cpu': 32, 'ram_mb': 13952, 'disk_gb': 100,
#     'raw': {'cpu': 8, 'ram_mb': 16000, 'disk_gb': 100}}
"""

RESOURCES = (("cpu", "cpu"), ("ram_mb", "ram"), ("disk_gb", "disk"))
GIB = 1024 ** 3


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


def raw_capacity(facts, pool_path="/var/lib/libvirt/images"):
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


def vmfabric_host_capacity(facts, settings=None, ratio=None,
                           pool_path="/var/lib/libvirt/images"):
    settings = settings or {}
    ratio = ratio or {}
    advertised = settings.get("capacity") or {}
    # an advertised capacity replaces the facts for what it names
    needs_facts = any(key not in advertised for key, _ in RESOURCES)
    base = raw_capacity(facts, pool_path) if needs_facts else {}
    base.update(advertised)
    cap = settings.get("capacity_cap") or {}
    reserved = settings.get("reserved") or {}
    result = {"raw": {}}
    for key, ratio_key in RESOURCES:
        value = _number(base.get(key), f"capacity.{key}")
        result["raw"][key] = int(value)
        if key in cap:
            value = min(value, _number(cap[key], f"capacity_cap.{key}"))
        value -= _number(reserved.get(key, 0), f"reserved.{key}")
        factor = _number(ratio.get(ratio_key, 1.0), f"allocation_ratio.{ratio_key}")
        result[key] = max(0, int(math.floor(value * factor + 1e-9)))
    return result


class FilterModule:
    """Ansible's registry of this file's filters."""

    def filters(self):
        return {"vmfabric_host_capacity": _ansible_safe(vmfabric_host_capacity)}


def _ansible_safe(func):
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except CapacityError as exc:
            from ansible.errors import AnsibleFilterError

            raise AnsibleFilterError(f"vmfabric_host_capacity: {exc}") from exc

    wrapper.__doc__ = func.__doc__
    return wrapper
