"""Ansible filters: names and sizes vmfabric gives libvirt objects.

The service renders templates/domain.xml.j2 with these same functions, so an
operator playbook that renders the template names things the same way.
"""

DOCUMENTATION = """
name: vmfabric_domain_name
short_description: libvirt names for a vmfabric VM (domain, disk volume, console log)
description:
  - vmfabric_domain_name(vmid) is the libvirt domain name, derived from the id vmfabric
    generates (never from the user's VM name, which goes into the domain's title and
    metadata as escaped text).
  - vmfabric_volume_name(vmid) is the VM's qcow2 overlay in the image pool,
    vmfabric_console_name(vmid) its serial console log in the same pool.
  - vmfabric_base_volume_name(image_id, sha256) names a base image copied to a host.
  - vmfabric_gib_bytes(gb) turns GB (GiB) into bytes.
"""

EXAMPLES = """
- ansible.builtin.debug:
    msg: "{{ 38201 | vmfabric_domain_name }}"       # vmf-38201
- ansible.builtin.debug:
    msg: "{{ 38201 | vmfabric_volume_name }}"       # vmf-38201.qcow2
- ansible.builtin.debug:
    msg: "{{ 3 | vmfabric_gib_bytes }}"             # 3221225472
"""


class NameError_(ValueError):
    """An id that is not a positive integer."""


def _positive(value, what):
    if isinstance(value, bool):
        raise NameError_(f"{what} must be a positive integer, not {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NameError_(f"{what} must be a positive integer, not {value!r}") from None
    if number <= 0 or str(number) != str(value).strip():
        raise NameError_(f"{what} must be a positive integer, not {value!r}")
    return number


def vmfabric_domain_name(vmid):
    return f"vmf-{_positive(vmid, 'vmid')}"


def vmfabric_volume_name(vmid):
    return f"vmf-{_positive(vmid, 'vmid')}.qcow2"


def vmfabric_console_name(vmid):
    return f"vmf-{_positive(vmid, 'vmid')}.console.log"


def vmfabric_base_volume_name(image_id, sha256):
    digest = str(sha256)
    if len(digest) < 12 or any(c not in "0123456789abcdef" for c in digest):
        raise NameError_(f"sha256 must be a hex digest, not {sha256!r}")
    return f"vmfabric-base-{_positive(image_id, 'image id')}-{digest[:12]}"


def vmfabric_gib_bytes(gb):
    return _positive(gb, "size in GB") * 1024 ** 3


class FilterModule:
    """Ansible's registry of this file's filters."""

    def filters(self):
        return {f.__name__: f for f in (vmfabric_domain_name, vmfabric_volume_name,
                                         vmfabric_console_name, vmfabric_base_volume_name,
                                         vmfabric_gib_bytes)}
