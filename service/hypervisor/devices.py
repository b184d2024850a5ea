"""Disks of a running (or stopped) domain: hot-plug, hot-unplug, and what is attached.

A running domain gets the disk live and in its definition (it survives a
restart); a stopped one in its definition only. Unplugging needs the guest's
cooperation (ACPI hot-plug), so a detach waits, bounded, until the disk is gone
from the live domain.
"""

import time
import xml.etree.ElementTree as ET

import libvirt

from service.errors import HypervisorError

WAIT_GONE = 15.0


def _flags(dom):
    live = libvirt.VIR_DOMAIN_AFFECT_LIVE if dom.isActive() else 0
    return live | libvirt.VIR_DOMAIN_AFFECT_CONFIG


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
            dom.attachDeviceFlags(xml, _flags(dom))
        return self.connections.run(pm, f"attach a disk to {domain}", op)

    def detach(self, pm, domain, xml, target):
        """Unplug the disk at TARGET (XML describes it) and wait until the guest let it go."""
        def op(conn):
            dom = conn.lookupByName(domain)
            running = dom.isActive()
            dom.detachDeviceFlags(xml, _flags(dom))
            deadline = time.monotonic() + WAIT_GONE
            while running and target in _disks(dom.XMLDesc(0)):
                if time.monotonic() > deadline:
                    raise HypervisorError(f"{pm.label}: the guest of {domain} did not release "
                                          f"disk {target} within {WAIT_GONE:g} s")
                time.sleep(0.1)
        return self.connections.run(pm, f"detach disk {target} from {domain}", op,
                                    timeout=WAIT_GONE + 10)
