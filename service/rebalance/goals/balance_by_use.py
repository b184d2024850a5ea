"""balance_by_use: relieve the hosts whose guests' use, or steal, has been over target too long.

The hosts in ``fleet.breached`` (a usage fleet, service/usage/fleet.py: whoever built
it decided from the history that the breach lasted, which is the hysteresis) give up
VMs one at a time until what their guests are expected to use is under ``target`` (a
fraction of their cores, default 0.8):

- first the cheapest VM whose leaving alone brings the host under (migration cost:
  its memory and how fast it dirties it), else the VM giving the most use per second
  of migration;
- each to the host whose load with it is the lowest among those that stay under the
  target with it and keep every allocation (RAM never overcommitted, spread kept).

A host breached by steal alone (its estimates under target: a neighbour outside
vmfabric, or estimates behind a sudden change) gives up one VM, the busiest it can
place. Hosts that cannot be relieved are reported with the reason.
"""

from service.rebalance.targets import Targets, load
from service.usage.fleet import MILLI

DEFAULT_TARGET = 0.8


def plan(fleet, options):
    """(moves, [{pmid, reason}] of breached hosts left over their target)."""
    fleet.set_target(float(options.get("target", DEFAULT_TARGET)))
    max_moves = options.get("max_moves")
    candidates = fleet.open.copy()
    candidates[list(fleet.breached)] = False
    targets = Targets(fleet, candidates, key=load)
    moves, unresolved = [], []
    for row in sorted(fleet.breached, key=lambda r: -fleet.use(r)):
        pmid, moved = int(fleet.pmids[row]), 0
        while moved == 0 or _over(fleet, row):
            if max_moves is not None and len(moves) >= max_moves:
                return moves, unresolved + _left_over(fleet, moves)
            chosen = _pick(fleet, targets, row)
            if chosen is None:
                unresolved.append({"pmid": pmid, "reason": f"{fleet.breached[row]}; no host of "
                                   f"its kind can take one of its VMs and stay under target"})
                break
            vm, target = chosen
            moves.append(fleet.move(vm, target, reason=f"pm {pmid}: {fleet.breached[row]}"))
            targets.changed(target)
            moved += 1
    return moves, unresolved


def _over(fleet, row):
    return fleet.used[-1, row] > fleet.cap[-1, row]


def _pick(fleet, targets, row):
    """(the VM to move off ROW, its destination), or None when none can go anywhere."""
    excess = (fleet.used[-1, row] - fleet.cap[-1, row]) / MILLI
    on_host = fleet.vms_on(row)
    if excess <= 0:  # steal alone: the busiest first
        order = sorted(on_host, key=lambda vm: -fleet.vm_use(vm))
    else:
        enough = sorted((vm for vm in on_host if fleet.vm_use(vm) >= excess),
                        key=lambda vm: (fleet.cost(vm), fleet.vm_use(vm)))
        chosen = {vm.id for vm in enough}
        rest = sorted((vm for vm in on_host if vm.id not in chosen),
                      key=lambda vm: -fleet.vm_use(vm) / max(fleet.cost(vm), 1e-3))
        order = enough + rest
    for vm in order:
        target = targets.least_loaded(vm)
        if target is not None:
            return vm, target
    return None


def _left_over(fleet, moves):
    moved_from = {move.source for move in moves}
    return [{"pmid": int(fleet.pmids[row]), "reason": "stopped at max_moves"}
            for row in fleet.breached if _over(fleet, row) and int(fleet.pmids[row]) in moved_from]
