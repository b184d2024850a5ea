"""Guest addresses: which VM holds which address and MAC on which network.

Rows are written only inside the transaction of a capacity claim (see
service/network/ipam.py) and removed with the VM's claim, so an address is
never held by a VM that does not exist, and (primary key, unique MAC) never
by two.
"""

import sqlalchemy as sa

from service.store.records import Address
from service.store.schema import addresses, vms

USED = sa.select(addresses.c.ip).where(addresses.c.network == sa.bindparam("of_network"))
OF_VM = sa.select(addresses).where(addresses.c.vmid == sa.bindparam("vmid"))
RELEASE = addresses.delete().where(addresses.c.vmid == sa.bindparam("of_vmid"))
WITH_HOST_KEYS = (sa.select(addresses.c.ip, vms.c.host_key)
                  .join(vms, vms.c.id == addresses.c.vmid)
                  .where(vms.c.host_key != "", vms.c.state != "failed")
                  .order_by(addresses.c.network, addresses.c.ip))


class AddressRepo:
    def __init__(self, store):
        self.store = store
        self._of_vm = store.prepare(OF_VM)

    @staticmethod
    def used(conn, network):
        return {row.ip for row in conn.execute(USED, {"of_network": network})}

    @staticmethod
    def insert(conn, network, ip, mac, vmid):
        conn.execute(addresses.insert().values(network=network, ip=ip, mac=mac, vmid=vmid))

    @staticmethod
    def release(conn, vmid):
        conn.execute(RELEASE, {"of_vmid": vmid})

    def of_vm(self, vmid):
        return [Address.from_row(row) for row in self._of_vm.mappings({"vmid": vmid})]

    def of_vms(self, vmids):
        """{vmid: [Address ...]} for VMIDS (one query)."""
        found = {vmid: [] for vmid in vmids}
        if not found:
            return found
        with self.store.read() as conn:
            for row in conn.execute(sa.select(addresses).where(addresses.c.vmid.in_(list(found)))
                                    .order_by(addresses.c.vmid, addresses.c.network)):
                found[row.vmid].append(Address.from_row(row._mapping))
        return found

    def host_keys(self):
        """[(ip, public host key)] of every guest that has both."""
        with self.store.read() as conn:
            return [(row.ip, row.host_key) for row in conn.execute(WITH_HOST_KEYS)]
