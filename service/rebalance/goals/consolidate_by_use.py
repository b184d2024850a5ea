"""consolidate_by_use: pack VMs by what they use onto as few hosts as keep every host under
``fill`` of its cores (default 0.7: below balance_by_use's target, so a packed host is
not relieved the next round), allocations kept (RAM never overcommitted).

It is consolidate (goals/consolidate.py) on a usage fleet: hosts are emptied from the
least loaded up, only when every VM there fits elsewhere; among hosts as loaded, the
one whose VMs are cheaper to move goes first. Hosts in breach take nothing.
"""

from service.rebalance.goals import consolidate

DEFAULT_FILL = 0.7
COST_WEIGHT = 0.05  # how much a host's migration cost counts beside its load, at most


def plan(fleet, options):
    fleet.set_target(float(options.get("fill", DEFAULT_FILL)))
    closed = [row for row in fleet.breached if fleet.open[row]]
    fleet.open[closed] = False  # no VM moves onto a host in breach
    totals = {}
    for vm in fleet.vms:
        totals[vm.host] = totals.get(vm.host, 0.0) + fleet.cost(vm)
    most = max(totals.values(), default=0.0) or 1.0

    def extra(row):
        return COST_WEIGHT * totals.get(row, 0.0) / most
    try:
        return consolidate.plan(fleet, options, extra=extra, reason=lambda row: (
            f"emptying pm {int(fleet.pmids[row])} (its guests use {fleet.use(row):.0%} of its "
            f"cores) so it can be freed"))
    finally:
        fleet.open[closed] = True
