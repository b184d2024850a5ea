"""Domains on a host: define and start, remove, read states, power actions."""

import libvirt

from service import faults
from service.hypervisor.errors import is_missing

STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: "unknown", libvirt.VIR_DOMAIN_RUNNING: "running",
    libvirt.VIR_DOMAIN_BLOCKED: "running", libvirt.VIR_DOMAIN_PAUSED: "paused",
    libvirt.VIR_DOMAIN_SHUTDOWN: "running", libvirt.VIR_DOMAIN_SHUTOFF: "shutoff",
    libvirt.VIR_DOMAIN_CRASHED: "crashed", libvirt.VIR_DOMAIN_PMSUSPENDED: "paused",
}
POWER = {
    "start": lambda d: d.create(),
    "shutdown": lambda d: d.shutdown(),
    "stop": lambda d: d.destroy(),
    "reboot": lambda d: d.reboot(0),
    "pause": lambda d: d.suspend(),
    "resume": lambda d: d.resume(),
}


def lookup(conn, name):
    """Domain NAME on CONN, or None when there is none."""
    try:
        return conn.lookupByName(name)
    except libvirt.libvirtError as exc:
        if is_missing(exc, libvirt.VIR_ERR_NO_DOMAIN):
            return None
        raise


class Domains:
    def __init__(self, connections):
        self.connections = connections

    def define_and_start(self, pm, xml):
        def op(conn):
            dom = conn.defineXML(xml)
            faults.point("create.after_define")
            try:
                dom.create()
            except libvirt.libvirtError:
                dom.undefine()
                raise
            return dom.name()
        return self.connections.run(pm, "define and start the domain", op)

    def remove(self, pm, name):
        """Stop and undefine domain NAME if it exists; True if it did."""
        def op(conn):
            dom = lookup(conn, name)
            if dom is None:
                return False
            if dom.isActive():
                dom.destroy()
            # (no NVRAM flag: our domains boot by BIOS and have none)
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                              | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
            return True
        return self.connections.run(pm, f"remove domain {name}", op)

    def state(self, pm, name):
        return self.connections.run(
            pm, f"read the state of {name}",
            lambda conn: STATES.get(conn.lookupByName(name).state()[0], "unknown"))

    def states(self, pm, timeout=None):
        """{domain name: state} of every domain on PM, in one round trip."""
        def op(conn):
            stats = conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_STATE, 0)
            return {dom.name(): STATES.get(values.get("state.state"), "unknown")
                    for dom, values in stats}
        return self.connections.run(pm, "list domains", op, timeout)

    def power(self, pm, name, action):
        """start, shutdown, stop (force), reboot, pause, resume."""
        return self.connections.run(pm, f"{action} {name}",
                                    lambda conn: POWER[action](conn.lookupByName(name)))
