"""A VM's snapshots as the store records them (the checkpoints themselves are in its disk)."""


import sqlalchemy as sa

from service import clock
from service.errors import Conflict, NotFound
from service.store.schema import snapshots

OF_VM = sa.select(snapshots).where(snapshots.c.vmid == sa.bindparam("of_vm")).order_by(
    snapshots.c.id)


class SnapshotRepo:
    def __init__(self, store):
        self.store = store

    def of_vm(self, vmid):
        with self.store.read() as conn:
            return [dict(r._mapping) for r in conn.execute(OF_VM, {"of_vm": vmid})]

    def vms_with_any(self):
        with self.store.read() as conn:
            return set(conn.execute(sa.select(snapshots.c.vmid).distinct()).scalars())

    def get(self, vmid, name):
        for row in self.of_vm(vmid):
            if row["name"] == name:
                return row
        raise NotFound(f"vm {vmid} has no snapshot {name!r}")

    def add(self, vmid, name, libvirt_name, vm_state, limit):
        """Record a snapshot just taken; Conflict (nothing recorded) beyond LIMIT per VM or
        when the name is taken."""
        with self.store.write() as conn:
            self.store.serialize(conn, f"snapshots.{vmid}")  # the limit holds across servers
            taken = list(conn.execute(OF_VM, {"of_vm": vmid}))
            if len(taken) >= limit:
                raise Conflict(f"vm {vmid} has {len(taken)} snapshots, the most it may keep "
                               f"(compute.max_snapshots); delete one first")
            if any(row.name == name for row in taken):
                raise Conflict(f"vm {vmid} has a snapshot named {name!r} already")
            conn.execute(snapshots.insert().values(vmid=vmid, name=name, libvirt_name=libvirt_name,
                                                   vm_state=vm_state, created_at=clock.now()))
        return self.get(vmid, name)

    def remove(self, snapshot_id):
        with self.store.write() as conn:
            conn.execute(snapshots.delete().where(snapshots.c.id == snapshot_id))

    def forget_vm(self, conn, vmid):
        """Inside a VM's destroy: its snapshots go with its disk."""
        conn.execute(snapshots.delete().where(snapshots.c.vmid == vmid))
