"""Hosts a plan may move VMs to, kept sorted as the plan changes them, so finding a target
costs a search and a short walk instead of a scan of every host.

For each *kind* of host (the same group and the same capacity) and each VM size asked
about, one sorted list holds the candidate hosts that have room for that size (the goal
says what room is: up to capacity, or up to a threshold), under a key the goal chooses.
VMs come in few sizes (their instance types), so a move updates few lists.

- consolidate's best fit keys hosts by their free room as a fraction of their capacity,
  summed over the resources: the room a VM leaves is that key less what the VM takes,
  the same for every host of the kind, so the kind's best fit is its first host that
  breaks no spread rule.
- balance's least loaded host keys hosts by their load (the largest fraction used): a
  host's load with the VM is at least its load without, so the walk stops once the key
  passes the best found.

Either way the answer is the host a scan of every host would pick (ties: the lowest row).
"""

import numpy as np
from sortedcontainers import SortedList

# loads and rooms are sums and products of fractions: compared with this much slack
EPSILON = 1e-9


def room(fleet, row):
    """ROW's free room, as fractions of its capacity summed over the resources (in plain
    floats, a few at a time: numpy's per-call cost would dominate; the same sums)."""
    return sum((cap - used) * inverse for cap, used, inverse in zip(
        fleet.cap[:, row].tolist(), fleet.used[:, row].tolist(), fleet.inv_cap[:, row].tolist()))


def load(fleet, row):
    """ROW's load: the largest fraction of a resource in use."""
    return float((fleet.used[:, row] * fleet.inv_cap[:, row]).max())



def _left(fleet, row, need):
    """The room ROW has left once it holds NEED (as room() sums it)."""
    return sum((cap - used - wanted) * inverse for cap, used, wanted, inverse in zip(
        fleet.cap[:, row].tolist(), fleet.used[:, row].tolist(), need.tolist(),
        fleet.inv_cap[:, row].tolist()))


class Targets:
    def __init__(self, fleet, candidates, key=room, limit=None):
        """FLEET (model.Fleet); CANDIDATES: a boolean mask of the rows that may take VMs;
        KEY(fleet, row): what hosts are sorted by; LIMIT: (3, 1) fractions of capacity a
        host may be filled to (default: all of it)."""
        self.fleet, self.key_of = fleet, key
        self.ceiling = fleet.cap if limit is None else np.minimum(fleet.cap, fleet.cap * limit
                                                                  + EPSILON)
        kinds = {}
        self.kind_of = np.array([kinds.setdefault((int(fleet.groups[row]),
                                                   *map(int, fleet.cap[:, row])), len(kinds))
                                 for row in range(len(fleet.pmids))], dtype=np.int64)
        self.in_group = {}
        for (group, *_), kind in kinds.items():
            self.in_group.setdefault(group, []).append(kind)
        self.rows_of_kind = [np.flatnonzero((self.kind_of == k) & candidates)
                             for k in range(len(kinds))]
        self.member = np.asarray(candidates, dtype=bool).copy()
        self.key = np.array([key(fleet, row) for row in range(len(fleet.pmids))])
        self.lists = {}  # (kind, size): SortedList of (key, row) of members with room for size
        self.kind_lists = [[] for _ in kinds]  # kind: [(size, its list)]
        self.entered = {}  # row: the lists it is in

    def _list(self, kind, size):
        """The hosts of KIND with room for SIZE (a tuple), made when first asked for."""
        found = self.lists.get((kind, size))
        if found is None:
            rows = self.rows_of_kind[kind]
            rows = rows[self.member[rows] & np.all(
                self.fleet.used[:, rows] + np.array(size)[:, None] <= self.ceiling[:, rows],
                axis=0)]
            found = self.lists[(kind, size)] = SortedList(
                (self.key[row], int(row)) for row in rows)
            self.kind_lists[kind].append((size, found))
            for row in rows:
                self.entered.setdefault(int(row), []).append(found)
        return found

    def remove(self, row):
        """ROW takes no more VMs; returns whether it did."""
        was = bool(self.member[row])
        if was:
            self._drop(row)
            self.member[row] = False
        return was

    def restore(self, row):
        """ROW, removed, takes VMs again (as it is now)."""
        if not self.member[row]:
            self.member[row] = True
            self.key[row] = self.key_of(self.fleet, row)
            self._enter(row)

    def changed(self, *rows):
        """ROWS' use changed (a move, or its undoing): their keys and lists follow."""
        for row in rows:
            if self.member[row]:
                self._drop(row)
                self.key[row] = self.key_of(self.fleet, row)
                self._enter(row)

    def _enter(self, row):
        """ROW into the lists of the sizes it has room for."""
        key = self.key[row]
        # (plain numbers: numpy's per-call cost would dominate)
        free = (self.ceiling[:, row] - self.fleet.used[:, row]).tolist()
        entered = self.entered[row] = []
        for size, hosts in self.kind_lists[self.kind_of[row]]:
            if all(need <= left for need, left in zip(size, free)):
                hosts.add((key, row))
                entered.append(hosts)

    def _drop(self, row):
        for hosts in self.entered.pop(row, ()):
            hosts.remove((self.key[row], row))

    def _allowed(self, vm, row, exclude):
        """Not EXCLUDE, and no VM of VM's spread group there."""
        held = self.fleet.spread_rows.get(vm.spread) if vm.spread >= 0 else None
        return row != exclude and not (held and held.get(row, 0) > 0)

    def best_fit(self, vm, exclude):
        """The row VM leaves the least room on, other than EXCLUDE; None when no candidate
        holds it. (Made with key=room.)"""
        fleet, best, size = self.fleet, None, tuple(map(int, vm.need))
        for kind in self.in_group.get(int(vm.group), ()):
            for _, row in self._list(kind, size):
                if self._allowed(vm, row, exclude):
                    left = _left(fleet, row, vm.need)
                    best = min(best or (left, row), (left, row))
                    break  # the first allowed is this kind's best
        return None if best is None else best[1]

    def least_loaded(self, vm):
        """The row whose load with VM is the lowest among those with room for it, other
        than its own; None when none has. (Made with key=load and the threshold.)"""
        fleet, best, size = self.fleet, None, tuple(map(int, vm.need))
        for kind in self.in_group.get(int(vm.group), ()):
            for key, row in self._list(kind, size):
                if best is not None and key > best[0] + EPSILON:
                    break  # its load with VM is at least its key
                if self._allowed(vm, row, vm.host):
                    after = (float(((fleet.used[:, row] + vm.need) * fleet.inv_cap[:, row])
                                   .max()), row)
                    best = min(best or after, after)
        return None if best is None else best[1]
