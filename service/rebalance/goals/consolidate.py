"""consolidate: free as many hosts as possible, so the freed ones can be powered off.

Hosts are tried from the least loaded up: each is emptied only if every one of
its VMs fits elsewhere (best fit: onto the host it leaves the least room on, so
the others fill up), otherwise it is kept and its VMs stay. A host that takes a
VM is kept, so no VM moves twice, and an emptied host takes nothing back.
``max_moves`` stops it before a host that would go past it (never halfway
through one). The order of the plan is the order of work.
"""

import numpy as np

from service.rebalance.targets import Targets


def plan(fleet, options, extra=None, reason=None):
    """(moves, hosts it could not help: [] for this goal). EXTRA(row): added to a host's load
    when choosing which to empty first; REASON(row): why its VMs move (the default says it
    is being emptied)."""
    limit = options.get("max_moves")
    moves = []
    util = fleet.utilisation()
    load = util.max(axis=0) + util.mean(axis=0) / 10  # the scarcest resource, then the rest
    if extra is not None:
        load = load + [extra(row) for row in range(len(load))]
    reason = reason or (lambda row: f"emptying pm {int(fleet.pmids[row])} so it can be freed")
    kept = (fleet.count == 0) | (fleet.pinned > 0)  # empty, or holding a VM that cannot move
    # targets: open hosts holding VMs (an empty one would free nothing; an emptied one closes)
    targets = Targets(fleet, fleet.open & (fleet.count > 0))
    for row in [int(i) for i in np.argsort(load, kind="stable")]:
        if kept[row]:
            continue
        kept[row] = True
        inverse = fleet.inv_cap[:, row].tolist()  # (plain floats: numpy costs more per call)
        leaving = sorted(fleet.vms_on(row), key=lambda vm: -max(
            need * inv for need, inv in zip(vm.need.tolist(), inverse)))
        if limit is not None and len(moves) + len(leaving) > limit:
            break
        staged, why = [], reason(row)
        was_target = targets.remove(row)  # while it is being emptied (back if that fails)
        for vm in leaving:
            target = targets.best_fit(vm, exclude=row)
            if target is None:
                break
            staged.append((vm, fleet.move(vm, target, reason=why)))
            targets.changed(target)
        if len(staged) < len(leaving):
            for vm, move in reversed(staged):
                fleet.undo(vm, move)
                targets.changed(fleet.row_of[move.target])
            if was_target:
                targets.restore(row)
            continue
        moves.extend(move for _, move in staged)
        kept[[fleet.row_of[move.target] for _, move in staged]] = True
        fleet.open[row] = False
    return moves, []
