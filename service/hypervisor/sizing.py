"""A domain's size: vCPUs, memory and its disk, changed live or in its definition.

Live growth needs headroom the domain was defined with: vCPUs up to its
maximum are hot-plugged, and memory up to its maximum is handed back by its
balloon (the guest boots with the maximum and the balloon holds the rest). A
change the running guest cannot take is made to the definition only, and
the guest has it from its next start. Disks grow at once, never shrink.
"""

import xml.etree.ElementTree as ET

import libvirt

# (one call each: some drivers refuse both flags in one call)
CONFIG = libvirt.VIR_DOMAIN_AFFECT_CONFIG
LIVE = libvirt.VIR_DOMAIN_AFFECT_LIVE


class Sizing:
    def __init__(self, connections):
        self.connections = connections

    def set_vcpus(self, pm, domain, count, live):
        """COUNT vCPUs: hot-plugged now (LIVE, the domain running, within its maximum) and
        from its next start; the maximum is raised if COUNT is beyond it."""
        def op(conn):
            dom = conn.lookupByName(domain)
            _set_within_maximum(dom, dom.setVcpusFlags, count, libvirt.VIR_DOMAIN_VCPU_MAXIMUM,
                                dom.vcpusFlags(CONFIG | libvirt.VIR_DOMAIN_VCPU_MAXIMUM), live)
        return self.connections.run(pm, f"set {domain} to {count} vCPUs", op)

    def unplug_vcpus(self, pm, domain, count):
        """Take the running domain down to COUNT vCPUs now (hot-plugged ones can go)."""
        def op(conn):
            conn.lookupByName(domain).setVcpusFlags(count, LIVE)
        return self.connections.run(pm, f"unplug {domain}'s vCPUs down to {count}", op)

    def set_memory(self, pm, domain, ram_mb, live):
        """RAM_MB of memory: given by the balloon now (LIVE, within its maximum) and from its
        next start; the maximum is raised if RAM_MB is beyond it."""
        kib = int(ram_mb) * 1024

        def op(conn):
            dom = conn.lookupByName(domain)
            _set_within_maximum(dom, dom.setMemoryFlags, kib, libvirt.VIR_DOMAIN_MEM_MAXIMUM,
                                _config_max_kib(dom), live)
        return self.connections.run(pm, f"set {domain} to {ram_mb} MB", op)

    def grow_disk(self, pm, domain, device, capacity):
        """DEVICE of DOMAIN to CAPACITY bytes; a running guest sees the new size at once."""
        def op(conn):
            dom = conn.lookupByName(domain)
            if dom.isActive():
                dom.blockResize(device, capacity, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
            else:
                conn.storageVolLookupByPath(_disk_path(dom, device)).resize(capacity, 0)
        return self.connections.run(pm, f"grow {device} of {domain}", op)


def _config_max_kib(dom):
    """The maximum memory (KiB) in DOM's definition."""
    root = ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    node = root.find("memory")
    return int(node.text) * {"KiB": 1, "MiB": 1024, "GiB": 1024 ** 2}.get(node.get("unit", "KiB"), 1)


def _disk_path(dom, device):
    for disk in ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).findall("devices/disk"):
        if disk.find("target").get("dev") == device:
            source = disk.find("source")
            if source.get("file"):
                return source.get("file")
            pool = dom.connect().storagePoolLookupByName(source.get("pool"))
            return pool.storageVolLookupByName(source.get("volume")).path()
    raise libvirt.libvirtError(f"{dom.name()} has no disk {device}")


def _set_within_maximum(dom, setter, value, maximum_flag, config_maximum, live):
    """VALUE from the domain's next start, its maximum raised first when VALUE is beyond it,
    and now as well when LIVE and the domain runs (libvirt refuses a live value past the
    maximum, and the maximum cannot change while it runs)."""
    if value > config_maximum:
        setter(value, CONFIG | maximum_flag)
    setter(value, CONFIG)
    if live and dom.isActive():
        setter(value, LIVE)
