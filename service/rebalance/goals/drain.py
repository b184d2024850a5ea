"""drain: every VM off one host (``pmid``), which takes no new ones meanwhile.

Largest first, each VM goes to the host of its group with the most room left
after it (worst fit, so the load spreads rather than piling onto one host).
VMs that fit nowhere are reported, and the host keeps them.
"""

import numpy as np


def plan(fleet, options):
    """(moves, [{vmid, reason}] of VMs that must stay)."""
    row = fleet.row_of[int(options["pmid"])]
    fleet.open[row] = False
    moves, stuck = [], []
    leaving = sorted(fleet.vms_on(row), key=lambda vm: -float((vm.need * fleet.inv_cap[:, row]).max()))
    for vm in leaving:
        mask = fleet.fits(vm)
        if not mask.any():
            stuck.append({"vmid": vm.id, "reason": "no other host of its kind has room for it"})
            continue
        left = ((fleet.cap - fleet.used - vm.need[:, None]) * fleet.inv_cap).min(axis=0)
        moves.append(fleet.move(vm, int(np.argmax(np.where(mask, left, -np.inf))),
                                reason=f"pm {int(options['pmid'])} is being drained"))
    if fleet.pinned[row]:
        stuck.append({"vmid": None, "reason": f"{int(fleet.pinned[row])} VM(s) there cannot move "
                                              f"now (in transition, or with snapshots)"})
    return moves, stuck
