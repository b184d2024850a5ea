"""usage_fit: bin packing by what guests use, with a safety margin; allocated RAM stays hard.

Where best_fit packs allocated CPU, usage_fit packs the CPU the guests are expected
to use (their observed p95, or what a create declared: service/usage/demand.py)
under a ceiling of each host's cores (``placement.use_target``, default 0.8: the
margin). The capacity constraint still holds every allocation: RAM and disk as
the host has them, CPU times its allocation ratio, which an operator raises above
1 to let use, not vCPU count, decide (placement.allocation_ratio.cpu).
"""

import numpy as np

from service.placement.policies.base import Policy, leftover, lowest_scores


class UsageFit(Policy):
    name = "usage_fit"
    needs_use = True  # the scheduler reads the hosts' expected use for it

    def order(self, table, mask, request, state, k):
        expected = getattr(request, "expected_cores", None)
        if table.use is None or expected is None:  # nothing known of use: pack allocations
            return lowest_scores(mask, leftover(table, request), k)
        with np.errstate(divide="ignore", invalid="ignore"):
            use_left = np.where(table.use_cap > 0, (table.use_cap - table.use - expected)
                                / table.use_cap, 0.0)
        score = use_left + (table.free[1] - request.ram_mb) * table.inv_cap[1] \
            + (table.free[2] - request.disk_gb) * table.inv_cap[2]
        return lowest_scores(mask, score, k)
