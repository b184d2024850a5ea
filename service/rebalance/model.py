"""The fleet as a rebalance plan sees it: hosts and VMs as numbers, and moves applied in order.

Hosts are columns (capacity and use per resource: cpu, ram_mb, disk_gb) so a goal
can test every host at once. A VM may move only to a host of its *group* (the
same domain type and guest network: it keeps its address) that takes new VMs, and
never to a host holding another VM of its *spread* group (service/placement/rules.py).
``move`` applies one step, refusing one that would overcommit its destination
as the fleet is at that step, so a plan that was built with it never
overcommits a host at any step, counting the VMs still to move.
"""

import dataclasses

import numpy as np

from service.resources import NAMES

RESOURCES = NAMES


@dataclasses.dataclass(frozen=True)
class Move:
    vmid: int
    source: int
    target: int
    reason: str = ""


@dataclasses.dataclass
class Vm:
    id: int
    host: int          # the row of its host
    need: np.ndarray   # (r,) what it holds: cpu, ram_mb, disk_gb (its volumes' disk too)
    group: int
    spread: int = -1   # its spread group (-1: none): no two of one group on a host


class Fleet:
    def __init__(self, pmids, cap, used, open_, groups, vms, spread_held=None, names=RESOURCES):
        """PMIDS (n,), CAP and USED (r, n), OPEN_ (n,) hosts that take new VMs, GROUPS (n,)
        group ids, VMS [Vm] (only those that may move; the rest is in USED already),
        SPREAD_HELD {spread group: [rows]} held by VMs of a group that cannot move, NAMES
        the r resources (cpu, ram_mb, disk_gb; a usage fleet adds what the VMs use,
        service/usage/fleet.py)."""
        self.names = tuple(names)
        self.pmids = np.asarray(pmids, dtype=np.int64)
        self.cap = np.asarray(cap, dtype=np.int64).reshape(len(self.names), -1)
        self.used = np.array(used, dtype=np.int64).reshape(len(self.names), -1)
        self.open = np.asarray(open_, dtype=bool)
        self.groups = np.asarray(groups, dtype=np.int64)
        self.vms = list(vms)
        self.row_of = {int(pmid): i for i, pmid in enumerate(self.pmids)}
        # VMs that cannot move (in transition, with snapshots ...) still keep a host in use
        self.pinned = np.zeros(len(self.pmids), dtype=np.int64)
        self.count = np.zeros(len(self.pmids), dtype=np.int64)
        self.on_host = {}
        # {spread group: {row: VMs of the group there}}
        self.spread_rows = {group: {} for group in (spread_held or {})}
        for group, rows in (spread_held or {}).items():
            for row in rows:
                self._hold(group, row, 1)
        for vm in self.vms:
            self.count[vm.host] += 1
            self.on_host.setdefault(vm.host, []).append(vm)
            self._hold(vm.spread, vm.host, 1)
        with np.errstate(divide="ignore"):
            self.inv_cap = np.where(self.cap > 0, 1.0 / np.maximum(self.cap, 1), 0.0)

    def vms_on(self, row):
        return list(self.on_host.get(row, ()))

    def fits(self, vm, exclude=()):
        """Rows that could take VM now (open, its group, room for it), minus EXCLUDE."""
        room = np.all(self.used + vm.need[:, None] <= self.cap, axis=0)
        mask = room & self.open & (self.groups == vm.group)
        mask[vm.host] = False
        held = self.spread_rows.get(vm.spread) if vm.spread >= 0 else None
        if held:
            mask[[row for row, count in held.items() if count > 0]] = False
        if len(exclude):
            mask[list(exclude)] = False
        return mask

    def move(self, vm, row, reason=""):
        """Apply one step: VM to host ROW (for REASON). ValueError if that would overcommit
        it."""
        if not self.open[row] or np.any(self.used[:, row] + vm.need > self.cap[:, row]):
            raise ValueError(f"vm {vm.id} does not fit on pm {self.pmids[row]} at this step")
        if vm.spread >= 0 and self.spread_rows.get(vm.spread, {}).get(row, 0) > 0:
            raise ValueError(f"vm {vm.id} may not join another VM of its spread group on pm "
                             f"{self.pmids[row]}")
        move = Move(vm.id, int(self.pmids[vm.host]), int(self.pmids[row]), reason)
        self._put(vm, row)
        return move

    def undo(self, vm, move):
        """Take back MOVE of VM (a trial that did not work out)."""
        self._put(vm, self.row_of[move.source])

    def _put(self, vm, row):
        self.used[:, vm.host] -= vm.need
        self.used[:, row] += vm.need
        self.count[vm.host] -= 1
        self.count[row] += 1
        self.on_host[vm.host].remove(vm)
        self.on_host.setdefault(row, []).append(vm)
        self._hold(vm.spread, vm.host, -1)
        self._hold(vm.spread, row, 1)
        vm.host = row

    def _hold(self, group, row, change):
        if group >= 0:
            rows = self.spread_rows.setdefault(group, {})
            rows[row] = rows.get(row, 0) + change

    def utilisation(self):
        """(r, n) used / capacity."""
        return self.used * self.inv_cap

    def summary(self):
        """Hosts in use, the resource-wise lower bound, and the most loaded host per resource."""
        busy = (self.count + self.pinned) > 0
        util = self.utilisation()
        peak = {}
        for r, name in enumerate(self.names):
            row = int(np.argmax(util[r])) if len(util[r]) else 0
            peak[name] = {"pmid": int(self.pmids[row]) if len(self.pmids) else None,
                          "utilisation": round(float(util[r][row]), 3) if len(util[r]) else 0.0}
        return {"hosts_in_use": int(busy.sum()), "lower_bound": self.lower_bound(),
                "most_loaded": peak}

    def lower_bound(self):
        """The fewest hosts the load could fit on, resource by resource (the largest first)."""
        bound = 0
        total = self.used.sum(axis=1)
        for r in range(len(self.names)):
            caps = np.sort(self.cap[r])[::-1]
            if total[r] > 0:
                bound = max(bound, int(np.searchsorted(np.cumsum(caps), total[r]) + 1))
        return min(bound, len(self.pmids)) if len(self.pmids) else 0
