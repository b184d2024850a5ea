"""Placement policies, found by the name the configuration gives.

A policy is a small class with ``order(table, mask, request, state, k)``, which
returns at most K rows of the table where MASK (the hosts that passed the
constraints) holds, best first, and
``placed(table, i, state)``, called after a placement succeeded (for policies
that remember something, like round robin's position). Adding a policy is one
module here and one line in POLICIES.
"""

from service.errors import ConfigError
from service.placement.policies import best_fit, first_fit, round_robin, usage_fit, worst_fit

POLICIES = {
    "round_robin": round_robin.RoundRobin,
    "first_fit": first_fit.FirstFit,
    "best_fit": best_fit.BestFit,
    "worst_fit": worst_fit.WorstFit,
    "usage_fit": usage_fit.UsageFit,
}


def get_policy(name):
    """An instance of the policy NAME; an unknown name lists the known ones."""
    try:
        return POLICIES[name]()
    except KeyError:
        raise ConfigError(f"unknown placement policy {name!r}; known policies: "
                          f"{', '.join(sorted(POLICIES))}") from None
