"""Ansible filters of vmfabric: a shim over the service's own functions.

The filters compute capacity (service/capacity.py) and name libvirt objects
(service/naming.py) exactly as the service does. Ansible loads this file by
path; the vmfabric package is installed in the project's .venv, and for an
ansible-playbook of another Python the checkout is put on the path.
"""

import os
import sys

try:
    from service import jinja_filters
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from service import jinja_filters

DOCUMENTATION = """
name: vmfabric_host_capacity
short_description: Schedulable CPU, RAM (MB) and disk (GB) of a hypervisor host; vmfabric's names
description:
  - vmfabric_host_capacity starts from the gathered facts (ansible_processor_vcpus,
    ansible_memtotal_mb and the size of the filesystem holding the image pool), or from an
    advertised capacity when the host sets one; then applies a cap, subtracts reserved
    resources and multiplies by the allocation ratio of each resource (rounded down, never
    below 0).
  - vmfabric_domain_name(vmid) is a VM's libvirt domain name, derived from the id vmfabric
    generates (never from the user's VM name, which goes into the domain's title and
    metadata as escaped text); vmfabric_volume_name(vmid) its qcow2 overlay in the image
    pool; vmfabric_console_name(vmid) its serial console log in the same pool.
  - vmfabric_base_volume_name(image_id, sha256) names a base image copied to a host;
    vmfabric_gib_bytes(gb) turns GB (GiB) into bytes.
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

- ansible.builtin.debug:
    msg: "{{ 38201 | vmfabric_domain_name }}"       # vmf-38201
- ansible.builtin.debug:
    msg: "{{ 38201 | vmfabric_volume_name }}"       # vmf-38201.qcow2
- ansible.builtin.debug:
    msg: "{{ 3 | vmfabric_gib_bytes }}"             # 3221225472
"""


class FilterModule:
    """Ansible's registry of vmfabric's filters."""

    def filters(self):
        return dict(jinja_filters.ALL)
