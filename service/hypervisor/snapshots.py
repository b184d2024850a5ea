"""A domain's internal snapshots: taken, reverted to, deleted.

Internal snapshots live in the domain's qcow2 disk and, for a running domain,
hold its memory too, so a revert brings the guest back running where it was.
Saving memory takes as long as writing it: these calls get a longer limit.
"""

import libvirt

from service.hypervisor.errors import is_missing

SNAPSHOT_TIMEOUT = 300


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
