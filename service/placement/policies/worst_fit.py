"""worst_fit: spread; the host left emptiest by the request (least loaded first).

The mirror of best_fit: it balances load across every host, which keeps noisy
neighbours apart and leaves headroom everywhere, at the cost of using all hosts.
"""

from service.placement.policies.base import Policy, leftover, lowest_scores


class WorstFit(Policy):
    name = "worst_fit"

    def order(self, table, mask, request, state, k):
        return lowest_scores(mask, -leftover(table, request), k)
