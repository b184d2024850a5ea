"""Rendering libvirt XML from templates/ with autoescaping, then checking what came out.

XML is never assembled from Python strings: the templates hold the XML, this
module supplies values (validated first) and parses the result back before
anyone gives it to libvirt.
"""

import functools
import ipaddress
import re
import xml.etree.ElementTree as ET

import jinja2

from service import jinja_filters, naming
from service.errors import ValidationError
from service.paths import TEMPLATES

NAME_MAX = 4096
TITLE_MAX = 255
# XML 1.0 cannot carry these at all, escaped or not
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
METADATA_NS = "https://vmfabric.dev/xmlns/vm/1"


@functools.lru_cache(maxsize=1)
def environment():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template here is XML
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(jinja_filters.ALL)
    return env


def check_vm_name(name, field="name"):
    """A VM's name as it will be used: any printable text up to NAME_MAX characters.

    A batch's members are checked with the suffix they get (``web-12``), so a
    name that only fits without it is refused before anything is claimed.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(f"{field}: must be a non-empty string", field=field)
    if len(name) > NAME_MAX:
        raise ValidationError(f"{field}: at most {NAME_MAX} characters (a cluster member's "
                              f"-N suffix included), got {len(name)}", field=field)
    bad = FORBIDDEN.search(name)
    if bad:
        raise ValidationError(f"{field}: control character U+{ord(bad.group()):04X} at position "
                              f"{bad.start()} is not allowed", field=field)
    return name


MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")


def render_domain(*, vmid, name, tid, image_id, cpu, ram_mb, domain_type, pool, console_log,
                  cidata=None, nic=None, max_cpu=None, max_ram_mb=None, shared_disk=None,
                  shared_cidata=None):
    """A VM's domain XML. CIDATA: its first-boot disk's volume; NIC: {mac, bridge} or
    {mac, libvirt_network}; MAX_CPU, MAX_RAM_MB: what it may grow to live (at least its
    size); SHARED_DISK: its disk on shared storage ({protocol, name, host, port}, from its
    backend's ``source``) instead of a volume in the host's pool; SHARED_CIDATA: its
    first-boot disk there too."""
    check_vm_name(name)
    if domain_type not in ("kvm", "qemu"):
        raise ValidationError(f"domain_type: kvm or qemu, not {domain_type!r}", field="domain_type")
    if nic is not None and (not MAC.match(nic["mac"]) or not IFNAME.match(
            nic.get("bridge") or nic.get("libvirt_network") or "")):
        raise ValidationError(f"nic: {nic!r} is not a MAC with a bridge or network name", field="nic")
    title = name if len(name) <= TITLE_MAX else name[:TITLE_MAX - 1] + "…"
    xml = environment().get_template("domain.xml.j2").render(
        vmid=int(vmid), name=name, title=title, tid=int(tid), image_id=int(image_id),
        cpu=int(cpu), ram_mb=int(ram_mb), max_cpu=max(int(cpu), int(max_cpu or 0)),
        max_ram_mb=max(int(ram_mb), int(max_ram_mb or 0)), domain_type=domain_type, pool=pool,
        console_log=console_log, cidata=cidata, nic=nic, shared_disk=_shared(shared_disk),
        shared_cidata=_shared(shared_cidata, "shared_cidata"),
        # fixed in the definition: QEMU would otherwise give the disk a queue per vCPU it has
        # at start, and a revert (a new QEMU) after a vCPU hot-plug could not load the state
        disk_queues=int(cpu))
    _check_domain(xml, vmid, name)
    return xml


def _shared(disk, field="shared_disk"):
    """DISK checked: a protocol QEMU opens over the network, an address, a port."""
    if disk is None:
        return None
    try:
        ipaddress.ip_address(disk["host"])
        port = int(disk["port"])
    except (KeyError, TypeError, ValueError):
        raise ValidationError(f"{field}: {disk!r} names no host address and port",
                              field=field) from None
    if disk.get("protocol") not in ("iscsi", "rbd", "nbd") or not 0 < port < 65536:
        raise ValidationError(f"{field}: {disk!r}: protocol iscsi, rbd or nbd, a port",
                              field=field)
    return dict(disk, port=port)


def _check_domain(xml, vmid, name):
    """Parse the rendered XML back: one <name>, ours, and the user's text intact."""
    root = ET.fromstring(xml)
    names = root.findall("name")
    expected = naming.domain(vmid)
    if root.tag != "domain" or len(names) != 1 or names[0].text != expected:
        raise ValueError(f"rendered domain XML for vm {vmid} is malformed")
    meta = root.find(f"metadata/{{{METADATA_NS}}}vm/{{{METADATA_NS}}}name")
    if meta is None or meta.text != name or root.findtext("description") != name:
        raise ValueError(f"rendered domain XML for vm {vmid} does not carry its name intact")


def render_volume(*, name, capacity, fmt, backing_path=None, backing_format=None):
    xml = environment().get_template("volume.xml.j2").render(
        name=name, capacity=int(capacity), format=fmt, backing_path=backing_path,
        backing_format=backing_format)
    root = ET.fromstring(xml)
    if root.findtext("name") != name:
        raise ValueError(f"rendered volume XML for {name!r} is malformed")
    return xml


def render_pool(*, name, path):
    xml = environment().get_template("pool.xml.j2").render(name=name, path=path)
    root = ET.fromstring(xml)
    if root.findtext("name") != name or root.findtext("target/path") != path:
        raise ValueError(f"rendered pool XML for {name!r} is malformed")
    return xml


TARGET = re.compile(r"^vd[b-z]$")


def render_disk(*, pool, volume, target, serial):
    """A volume's <disk> element for a domain (target vdb ... vdz)."""
    if not TARGET.match(target):
        raise ValidationError(f"target: {target!r} is not a virtio disk name vdb-vdz", field="target")
    xml = environment().get_template("disk.xml.j2").render(pool=pool, volume=volume,
                                                            target=target, serial=serial)
    root = ET.fromstring(xml)
    if root.find("source").get("volume") != volume or root.find("target").get("dev") != target:
        raise ValueError(f"rendered disk XML for {volume!r} is malformed")
    return xml


SNAPSHOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def render_snapshot(*, name, description):
    """A domain snapshot's XML: NAME is vmfabric's, DESCRIPTION the user's name for it."""
    if not SNAPSHOT_NAME.match(name):
        raise ValidationError(f"name: {name!r} is not a snapshot name", field="name")
    xml = environment().get_template("snapshot.xml.j2").render(name=name,
                                                               description=description)
    root = ET.fromstring(xml)
    if root.findtext("name") != name or root.findtext("description") != description:
        raise ValueError(f"rendered snapshot XML for {name!r} is malformed")
    return xml
