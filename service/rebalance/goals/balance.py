"""balance: bring every host under a utilisation threshold per resource, moving as little as
possible.

``threshold``: {cpu, ram_mb, disk_gb} fractions (default 0.8 each). Hosts over it are
taken most loaded first; each gives up, one at a time, the smallest VM whose leaving
brings it under (or, if none does alone, its largest in the resource most over), to
the least loaded host that stays under the threshold with it. A host that cannot be
brought under is reported, with the resource, and the plan goes on with the others.
"""

import numpy as np

from service.rebalance.targets import Targets, load

DEFAULT = 0.8


def plan(fleet, options):
    """(moves, [{pmid, resource, utilisation}] of hosts still over the threshold)."""
    given = options.get("threshold") or {}
    limit = np.array([float(given.get(r, DEFAULT)) for r in fleet.names])[:, None]
    max_moves = options.get("max_moves")
    moves = []
    over = _over(fleet, limit)
    order = np.argsort(-(fleet.utilisation() / limit).max(axis=0), kind="stable")
    targets = Targets(fleet, fleet.open.copy(), key=load, limit=limit)
    for row in [int(i) for i in order if over[i]]:
        while _row_over(fleet, limit, row):
            if max_moves is not None and len(moves) >= max_moves:
                return moves, _still_over(fleet, limit)
            move = _one_off(fleet, targets, row, limit)
            if move is None:
                break
            moves.append(move)
            targets.changed(row, fleet.row_of[move.target])
    return moves, _still_over(fleet, limit)


def _over(fleet, limit):
    return (fleet.used > fleet.cap * limit + 1e-9).any(axis=0)


def _row_over(fleet, limit, row):
    return bool((fleet.used[:, row] > fleet.cap[:, row] * limit[:, 0] + 1e-9).any())


def _one_off(fleet, targets, row, limit):
    """Move one VM off ROW to where it fits under the limit; the Move, or None."""
    excess = fleet.used[:, row] - fleet.cap[:, row] * limit[:, 0]
    worst = int(np.argmax(excess * fleet.inv_cap[:, row]))
    candidates = sorted(fleet.vms_on(row), key=lambda vm: int(vm.need[worst]))
    needed = np.maximum(excess, 0)
    enough = [vm for vm in candidates if np.all(vm.need >= needed)]
    chosen = {id(vm) for vm in enough}
    for vm in enough + list(reversed([vm for vm in candidates if id(vm) not in chosen])):
        target = targets.least_loaded(vm)
        if target is not None:
            return fleet.move(vm, target, reason=(
                f"pm {int(fleet.pmids[row])} is over its {fleet.names[worst]} threshold "
                f"({float(limit[worst, 0]):.0%})"))
    return None


def _still_over(fleet, limit):
    util = fleet.utilisation()
    out = []
    for row in np.flatnonzero(_over(fleet, limit)):
        r = int(np.argmax(util[:, row] / limit[:, 0]))
        out.append({"pmid": int(fleet.pmids[row]), "resource": fleet.names[r],
                    "utilisation": round(float(util[r, row]), 3)})
    return out
