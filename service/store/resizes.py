"""A VM's claim changing size (resize), with the same guarded update as a create's.

The claim is what the VM holds on its host. A resize that the running guest
takes at once sets it to the new size; one that waits for the VM's next start
(a shrink, or growth beyond the domain's headroom) holds the larger of the two
sizes until then, so the host is never promised to two guests at once.
"""


import sqlalchemy as sa

from service import clock
from service.errors import Conflict, NoCapacity
from service.resources import NAMES, UNITS, USED_COLUMNS
from service.store.schema import pms, vms
from service.store.vms import read_vm

SIZED = ("running", "paused", "shutoff")
# (a VM's column, its host's claimed column, its host's capacity column, the unit)
RESOURCES = tuple((name, USED_COLUMNS[name], name, UNITS[name]) for name in NAMES)
CHANGE = (pms.update()
          .where(pms.c.id == sa.bindparam("on_pmid"), pms.c.state == "up",
                 *[pms.c[used] + sa.bindparam(f"add_{name}") <= pms.c[cap]
                   for name, used, cap, _ in RESOURCES])
          .values(**{used: pms.c[used] + sa.bindparam(f"add_{name}")
                     for name, used, _, _ in RESOURCES}))


class ResizeRepo:
    def __init__(self, store):
        self.store = store

    def change(self, vmid, size, pending, tid=None, guard=None):
        """VMID's claim becomes SIZE ({cpu, ram_mb, disk_gb}) and its PENDING change is
        recorded, in one transaction: more is taken on its host by the guarded update (and
        GUARD(conn, user_id, [cpu, ram_mb, disk_gb, 0] more) checks its user's quota), less
        is given back. NoCapacity naming what does not fit. Returns the VM as it was."""
        with self.store.write() as conn:
            vm = read_vm(conn, vmid)
            if vm.state not in SIZED or vm.pmid is None:
                raise Conflict(f"vm {vmid} is {vm.state}; a resize needs it {', '.join(SIZED)}")
            delta = {name: size[name] - getattr(vm, name) for name, *_ in RESOURCES}
            if guard is not None:
                guard(conn, vm.user_id, [delta["cpu"], delta["ram_mb"], delta["disk_gb"], 0])
            if any(delta.values()):
                done = conn.execute(CHANGE, {"on_pmid": vm.pmid,
                                             **{f"add_{k}": v for k, v in delta.items()}})
                if done.rowcount != 1:
                    raise NoCapacity(self._short(conn, vm, delta))
            conn.execute(vms.update().where(vms.c.id == vmid).values(
                **size, pending=pending, tid=tid or vm.tid, updated_at=clock.now()))
        return vm

    @staticmethod
    def _short(conn, vm, delta):
        pm = conn.execute(sa.select(pms).where(pms.c.id == vm.pmid)).first()._mapping
        if pm["state"] != "up":
            return f"pm {vm.pmid} is {pm['state']}"
        short = [f"{delta[name]} {unit} more (pm {vm.pmid} has {pm[cap] - pm[used]} free)"
                 for name, used, cap, unit in RESOURCES
                 if delta[name] > 0 and pm[used] + delta[name] > pm[cap]]
        return f"no room on pm {vm.pmid} for the resize of vm {vm.id}: " + ", ".join(short)
