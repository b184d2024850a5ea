"""The names vmfabric gives libvirt objects, built here and nowhere else.

Every name is derived from an id vmfabric generated, never from a user's text
(a VM's own name goes into the domain's title and metadata, escaped). The
Ansible filter plugins in filter_plugins/ expose these same functions to
playbooks and templates.
"""

import re

PREFIX = "vmf-"
BASE_PREFIX = "vmfabric-base-"
# every object a VM owns on its host: the domain, its disk overlay, its console log, its
# first-boot (cidata) disk
OWNED = re.compile(r"^vmf-(\d+)(\.qcow2|\.console\.log|\.cidata\.iso)?$")


class NamingError(ValueError):
    """An id or digest that cannot be part of a name."""


def positive(value, what):
    """VALUE as a positive int (a decimal string is accepted); NamingError otherwise."""
    if isinstance(value, bool):
        raise NamingError(f"{what} must be a positive integer, not {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NamingError(f"{what} must be a positive integer, not {value!r}") from None
    if number <= 0 or str(number) != str(value).strip():
        raise NamingError(f"{what} must be a positive integer, not {value!r}")
    return number


def domain(vmid):
    """libvirt domain name of VM VMID."""
    return f"{PREFIX}{positive(vmid, 'vmid')}"


def disk(vmid):
    """The VM's qcow2 overlay in the image pool."""
    return f"{domain(vmid)}.qcow2"


def console(vmid):
    """The VM's serial console log in the image pool."""
    return f"{domain(vmid)}.console.log"


def cidata(vmid):
    """The VM's NoCloud first-boot disk (an ISO) in the image pool."""
    return f"{domain(vmid)}.cidata.iso"


def volumes_of(vmid):
    """Every volume VMID owns on its host."""
    return [disk(vmid), console(vmid), cidata(vmid)]


def owner_of(name):
    """The vmid whose object NAME is, or None when NAME is not one of ours."""
    match = OWNED.match(name)
    return int(match.group(1)) if match else None


def base_image(image_id, sha256):
    """A base image copied to a host, named by image id and content."""
    digest = str(sha256)
    if len(digest) < 12 or any(c not in "0123456789abcdef" for c in digest):
        raise NamingError(f"sha256 must be a hex digest, not {sha256!r}")
    return f"{BASE_PREFIX}{positive(image_id, 'image id')}-{digest[:12]}"


VOLUME = re.compile(r"^vmf-vol-(\d+)\.raw$")


def volume(volume_id):
    """A volume's disk (raw, sparse) in the image pool."""
    return f"vmf-vol-{positive(volume_id, 'volume id')}.raw"


def volume_of(name):
    """The volume id whose disk NAME is, or None."""
    match = VOLUME.match(name)
    return int(match.group(1)) if match else None


def gib_bytes(gb):
    """GB (GiB, as sizes are given everywhere in vmfabric) in bytes."""
    return positive(gb, "size in GB") * 1024 ** 3
