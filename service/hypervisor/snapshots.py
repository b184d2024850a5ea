"""A domain's internal snapshots: taken, reverted to, deleted.

Internal snapshots live in the domain's qcow2 disk and, for a running domain,
hold its memory too, so a revert brings the guest back running where it was.
Saving memory takes as long as writing it: these calls get a longer limit.

A revert may start a new QEMU from the snapshot's definition and load the
saved state into it at start-up, before libvirt would hot-plug anything. A
vCPU that was hot-plugged when the snapshot was taken must therefore be one
the new QEMU starts with: the snapshot is redefined with it as a boot vCPU
first. That loads only if nothing else depends on the vCPUs QEMU started with
(vmfabric fixes the disk's queue count in the definition); a snapshot of a VM
defined without that is refused (HotPluggedState) before anything is changed.
"""

import re

import libvirt

from service.errors import Conflict
from service.hypervisor.errors import is_missing

SNAPSHOT_TIMEOUT = 300
HOT_PLUGGED = re.compile(r"(<vcpu id='\d+' enabled='yes' hotpluggable=')yes(')")
# a virtio disk whose queue count QEMU would derive from its vCPUs at start
UNPINNED_QUEUES = re.compile(r"<driver name='qemu' type='qcow2'(?![^>]*queues=)[^>]*/>")


class HotPluggedState(Conflict):
    """The snapshot holds hot-plugged vCPUs that QEMU cannot restore for this definition."""


class Snapshots:
    def __init__(self, connections):
        self.connections = connections

    def take(self, pm, domain, xml):
        return self.connections.run(
            pm, f"snapshot {domain}",
            lambda conn: conn.lookupByName(domain).snapshotCreateXML(xml, 0).getName(),
            SNAPSHOT_TIMEOUT)

    def revert(self, pm, domain, name):
        def op(conn):
            dom = conn.lookupByName(domain)
            snapshot = dom.snapshotLookupByName(name)
            _as_boot_vcpus(dom, snapshot, name)
            dom.revertToSnapshot(dom.snapshotLookupByName(name), 0)
        return self.connections.run(pm, f"revert {domain} to snapshot {name}", op,
                                    SNAPSHOT_TIMEOUT)

    def delete(self, pm, domain, name):
        """Delete snapshot NAME of DOMAIN; one already gone is not an error."""
        def op(conn):
            try:
                conn.lookupByName(domain).snapshotLookupByName(name).delete(0)
            except libvirt.libvirtError as exc:
                if not is_missing(exc, libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT):
                    raise
        return self.connections.run(pm, f"delete snapshot {name} of {domain}", op,
                                    SNAPSHOT_TIMEOUT)


def _as_boot_vcpus(dom, snapshot, name):
    """Redefine SNAPSHOT so the vCPUs hot-plugged when it was taken are boot vCPUs."""
    xml = snapshot.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE)
    if not HOT_PLUGGED.search(xml):
        return
    if UNPINNED_QUEUES.search(xml):
        raise HotPluggedState(
            f"snapshot {name} of {dom.name()} holds vCPUs hot-plugged by a resize, and this VM "
            f"was defined by an earlier release in a way QEMU cannot load them back into; "
            f"nothing was changed (to revert, stop and start the VM, take a new snapshot)")
    dom.snapshotCreateXML(HOT_PLUGGED.sub(r"\1no\2", xml),
                          libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
