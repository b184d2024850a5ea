"""The placement decision: host constraints, then the policy; single requests and all-or-nothing batches."""

import copy

import numpy as np

from service.errors import NoCapacity, ValidationError
from service.placement import constraints
from service.placement.policies import get_policy

PLACEMENTS = ("pack", "spread")


class Placer:
    def __init__(self, policy_name):
        self.policy = get_policy(policy_name)

    @property
    def policy_name(self):
        return self.policy.name

    def rank(self, table, request, state, k=1):
        """At most K table rows that can take REQUEST, best first."""
        mask = constraints.passing(table, request)
        return self.policy.order(table, mask, request, state, k)

    def placed(self, table, i, state):
        self.policy.placed(table, i, state)

    def rank_batch(self, table, requests, state, placement="pack"):
        """Rows for every request of a batch (a cluster), chosen together.

        All or nothing: NoCapacity unless every request fits at once. The
        configured policy chooses each host, seeing the batch's earlier members
        already placed; 'spread' adds its rule on top: distinct hosts, one request
        per host, or not at all ('pack' adds none: best_fit packs, worst_fit
        spreads, as they do for single VMs). Works on a copy of TABLE's free capacity.
        """
        if placement not in PLACEMENTS:
            raise ValidationError(f"placement {placement!r}: use one of {', '.join(PLACEMENTS)}",
                                  field="placement")
        scratch = copy.copy(table)
        scratch.free = table.free.copy()
        scratch.use = None if table.use is None else table.use.copy()
        chooser = self.policy
        used = np.zeros(len(table), dtype=bool)
        # largest first: big requests are the hard ones to fit
        order = sorted(range(len(requests)), key=lambda j: requests[j].vector, reverse=True)
        chosen = [None] * len(requests)
        for j in order:
            request = requests[j]
            mask = constraints.passing(scratch, request)
            if placement == "spread":
                mask &= ~used
            best = chooser.order(scratch, mask, request, state, 1)
            if len(best) == 0:
                if placement == "spread":
                    raise NoCapacity(f"spread needs {len(requests)} distinct hosts with room; "
                                     f"only {int(used.sum())} could be found")
                raise NoCapacity(f"no room for all {len(requests)} VMs of the batch "
                                 f"(VM {j + 1} needs {request.vector})")
            i = int(best[0])
            scratch.free[:, i] -= request.vector
            if scratch.use is not None:
                scratch.use[i] += getattr(request, "expected_cores", 0.0)
            chooser.placed(scratch, i, state)
            used[i] = True
            chosen[j] = i
        return chosen
