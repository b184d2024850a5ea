"""The Jinja filters vmfabric shares with Ansible, by the names playbooks use.

The service's template environment registers all of them; each file in
filter_plugins/ hands its share to Ansible. The functions themselves live in
ordinary modules (naming, capacity).
"""

from service import capacity, naming

NAMES = {
    "vmfabric_domain_name": naming.domain,
    "vmfabric_volume_name": naming.disk,
    "vmfabric_console_name": naming.console,
    "vmfabric_base_volume_name": naming.base_image,
    "vmfabric_gib_bytes": naming.gib_bytes,
}


def vmfabric_host_capacity(facts, settings=None, ratio=None,
                           pool_path=capacity.DEFAULT_POOL_PATH):
    """capacity.host_capacity, with errors as Ansible expects them when Ansible calls it."""
    try:
        return capacity.host_capacity(facts, settings, ratio, pool_path)
    except capacity.CapacityError as exc:
        try:
            from ansible.errors import AnsibleFilterError
        except ImportError:
            raise
        raise AnsibleFilterError(f"vmfabric_host_capacity: {exc}") from exc


CAPACITY = {"vmfabric_host_capacity": vmfabric_host_capacity}
ALL = {**NAMES, **CAPACITY}
