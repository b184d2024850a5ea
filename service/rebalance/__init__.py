"""Rebalancing: plans of migrations toward a goal, read before anything moves, then applied.

A goal is a module in service/rebalance/goals/ with ``plan(fleet, options)``, which
moves VMs on the model (service/rebalance/model.py: every step checked against
the fleet as it is at that step) and returns (moves, what it could not fix). Adding
a goal is one module and one line in GOALS.
"""

import time

from service.errors import ValidationError
from service.rebalance.goals import balance, balance_by_use, consolidate, consolidate_by_use, drain

GOALS = {
    "consolidate": consolidate.plan,
    "balance": balance.plan,
    "drain": drain.plan,  # one host emptied (pm drain); options: {"pmid"}
    # on what guests use (a usage fleet, service/usage/fleet.py)
    "balance_by_use": balance_by_use.plan,
    "consolidate_by_use": consolidate_by_use.plan,
}
USAGE_GOALS = ("balance_by_use", "consolidate_by_use")


def make_plan(fleet, goal, options=None):
    """The plan for GOAL on FLEET (a model.Fleet, changed as the plan goes): a dict with the
    ordered moves, the fleet before and after, and what could not be done."""
    if goal not in GOALS:
        raise ValidationError(f"goal: {goal!r} is not one of {', '.join(sorted(GOALS))}",
                              field="goal")
    if goal in USAGE_GOALS and not hasattr(fleet, "set_target"):
        raise ValidationError(f"goal: {goal} plans on what guests use, and this fleet carries "
                              f"no usage (telemetry off?)", field="goal")
    before = fleet.summary()
    started = time.perf_counter()
    moves, unresolved = GOALS[goal](fleet, dict(options or {}))
    took = time.perf_counter() - started
    return {"goal": goal, "moves": [dict({"vmid": m.vmid, "from": m.source, "to": m.target},
                                         **({"reason": m.reason} if m.reason else {}))
                                    for m in moves],
            "before": before, "after": fleet.summary(), "unresolved": unresolved,
            "staying": [{"vmid": vmid, "reason": why}
                        for vmid, why in sorted(getattr(fleet, "staying", {}).items())],
            "planned_in_s": round(took, 4)}
