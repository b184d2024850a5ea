"""Disks of a running (or stopped) domain: hot-plug, hot-unplug, and what is attached.

A running domain gets the disk live and in its definition (it survives a
restart); a stopped one in its definition only. Unplugging needs the guest's
cooperation (ACPI hot-plug), which a guest still booting ignores: ``unplug``
asks the running domain, follows libvirt's device-removed event, and asks
again every ``RETRY_EVERY`` seconds until the guest has let the disk go or the
time is up (a disk already gone counts as let go). Only then is the disk taken
out of the definition (``forget``), so the running domain and its definition
never disagree about a disk the guest still uses.
"""

import threading
import time
import xml.etree.ElementTree as ET

import libvirt

RETRY_EVERY = 2.0
# what libvirt answers when the disk is not there (any more), or is on its way out already
GONE = ("no target device", "device not found")
UNDER_WAY = ("already in the process of unplug",)


def _disks(xml):
    """{target dev: source volume (or file)} of a domain's XML."""
    found = {}
    for disk in ET.fromstring(xml).findall("devices/disk"):
        target = disk.find("target")
        source = disk.find("source")
        if target is not None:
            found[target.get("dev")] = (source.get("volume") or source.get("file") or "") \
                if source is not None else ""
    return found


def _alias(xml, target):
    """The alias QEMU knows the disk at TARGET by (what the device-removed event names)."""
    for disk in ET.fromstring(xml).findall("devices/disk"):
        dev, alias = disk.find("target"), disk.find("alias")
        if dev is not None and dev.get("dev") == target and alias is not None:
            return alias.get("name")
    return None


def _mentions(exc, phrases):
    message = (exc.get_error_message() or "").lower()
    return any(phrase in message for phrase in phrases)


def _gone(exc):
    return (exc.get_error_code() == getattr(libvirt, "VIR_ERR_DEVICE_MISSING", -1)
            or _mentions(exc, GONE))


class Devices:
    def __init__(self, connections):
        self.connections = connections

    def disks(self, pm, domain, live=True):
        """{target: volume} of DOMAIN (its live state, or its definition)."""
        flags = 0 if live else libvirt.VIR_DOMAIN_XML_INACTIVE
        return self.connections.run(pm, f"read the disks of {domain}",
                                    lambda conn: _disks(conn.lookupByName(domain).XMLDesc(flags)))

    def attach(self, pm, domain, xml):
        def op(conn):
            dom = conn.lookupByName(domain)
            live = libvirt.VIR_DOMAIN_AFFECT_LIVE if dom.isActive() else 0
            dom.attachDeviceFlags(xml, live | libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        return self.connections.run(pm, f"attach a disk to {domain}", op)

    def unplug(self, pm, domain, xml, target, wait):
        """Have the running DOMAIN's guest let go of the disk at TARGET (XML describes it),
        asking again while it does not, for at most WAIT seconds. True once the running
        domain no longer has it (or does not run); False if the guest still holds it."""
        def op(conn):
            dom = conn.lookupByName(domain)
            if not dom.isActive():
                return True
            removed = threading.Event()
            alias = _alias(dom.XMLDesc(0), target)
            watch = _watch_removal(conn, dom, alias, removed)
            try:
                deadline = time.monotonic() + wait
                while True:
                    if target not in _disks(dom.XMLDesc(0)):
                        return True
                    _ask(dom, xml)
                    until = min(deadline, time.monotonic() + RETRY_EVERY)
                    while time.monotonic() < until and target in _disks(dom.XMLDesc(0)):
                        removed.wait(min(0.1, max(0.0, until - time.monotonic())))
                    if time.monotonic() >= deadline:
                        return target not in _disks(dom.XMLDesc(0))
            finally:
                if watch is not None:
                    try:
                        conn.domainEventDeregisterAny(watch)
                    except libvirt.libvirtError:
                        pass
        return self.connections.run(pm, f"unplug disk {target} from {domain}", op,
                                    timeout=wait + 15)

    def forget(self, pm, domain, xml, target):
        """Take the disk at TARGET out of DOMAIN's definition (already out: nothing to do)."""
        def op(conn):
            try:
                conn.lookupByName(domain).detachDeviceFlags(xml, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
            except libvirt.libvirtError as exc:
                if not _gone(exc):
                    raise
        return self.connections.run(pm, f"remove disk {target} from the definition of {domain}",
                                    op)


def _ask(dom, xml):
    """One unplug request to the running domain; one already under way or done is no error."""
    try:
        dom.detachDeviceFlags(xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    except libvirt.libvirtError as exc:
        if not (_gone(exc) or _mentions(exc, UNDER_WAY)):
            raise


def _watch_removal(conn, dom, alias, removed):
    """Set REMOVED when libvirt reports the device ALIAS gone from DOM (None: no events here,
    for a connection without an event loop; the caller looks at the domain as well)."""
    if alias is None:
        return None

    def on_removed(_conn, _dom, dev_alias, _opaque):
        if dev_alias == alias:
            removed.set()
    try:
        return conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                                           on_removed, None)
    except libvirt.libvirtError:
        return None
