"""Address allocation: a guest's address taken in the transaction of its capacity claim.

A host joins guests to a network through its ``vmfabric_guest_network``
setting (``{network: NAME, bridge: br0}`` or ``{network: NAME, libvirt_network:
default}``). When a VM is claimed on such a host, the lowest free address of
that network's range is taken in the same transaction, so no two VMs ever get
the same address, across threads, processes and servers (the table's primary
key is the final guard). An exhausted range is NoAddress, and the whole claim
is undone.
"""

import dataclasses

from service.errors import ConfigError, NoCapacity

SETTING = "vmfabric_guest_network"


class NoAddress(NoCapacity):
    """The network's range has no free address."""


@dataclasses.dataclass(frozen=True)
class Attachment:
    """How a host attaches guests: the network (address pool) and a bridge or libvirt network."""

    network: str
    bridge: str | None = None
    libvirt_network: str | None = None


def attachment(settings, pools):
    """The Attachment a host's SETTINGS ask for, or None; ConfigError if they are wrong."""
    spec = (settings or {}).get(SETTING)
    if not spec:
        return None
    if not isinstance(spec, dict) or set(spec) - {"network", "bridge", "libvirt_network"}:
        raise ConfigError(f"{SETTING}: expected {{network, bridge}} or {{network, libvirt_network}}")
    if spec.get("network") not in pools:
        raise ConfigError(f"{SETTING}.network: {spec.get('network')!r} is not one of the "
                          f"configured networks ({', '.join(sorted(pools)) or 'none'})")
    if bool(spec.get("bridge")) == bool(spec.get("libvirt_network")):
        raise ConfigError(f"{SETTING}: give exactly one of bridge and libvirt_network")
    return Attachment(spec["network"], spec.get("bridge"), spec.get("libvirt_network"))


class Allocator:
    def __init__(self, pools, store):
        """POOLS: {name: Pool} of the configured networks (network/pools.py)."""
        self.pools = pools
        self.store = store

    def claim(self, conn, vmid, pmid):
        """Give VMID an address on PMID's network, inside the claim's transaction CONN."""
        pm = self.store.pms.get(pmid, conn)
        attached = attachment(pm.settings, self.pools)
        if attached is None:
            return
        pool = self.pools[attached.network]
        used = self.store.addresses.used(conn, pool.name)
        for ip in pool.addresses():
            if ip not in used:
                self.store.addresses.insert(conn, pool.name, ip, pool.mac_for(ip), vmid)
                return
        raise NoAddress(f"network {pool.name} has no free address: all {pool.size} of its range "
                        f"{pool.first_ip} - {pool.last_ip} are taken")

    def free_addresses(self, pms):
        """Free addresses on the networks PMS attach guests to; None when one of them attaches
        to none (then addresses do not limit how many VMs fit)."""
        networks = set()
        for pm in pms:
            attached = attachment(pm.settings, self.pools)
            if attached is None:
                return None
            networks.add(attached.network)
        with self.store.read() as conn:
            return sum(self.pools[name].size - len(self.store.addresses.used(conn, name))
                       for name in networks)

    def move(self, conn, vmid, pmid):
        """VMID moved to PMID: its address follows the new host's network."""
        self.store.addresses.release(conn, vmid)
        self.claim(conn, vmid, pmid)
