"""best_fit: multi-dimensional bin packing; the host left fullest by the request.

Hosts are compared by the sum over CPU, RAM and disk of the share each would
have left free (see base.leftover), so a host that fits the request tightly in
every resource wins over one that is full in RAM but idle in CPU. Packs VMs on
as few hosts as possible; empty hosts stay empty (power them down, or keep them
for large requests).
"""

from service.placement.policies.base import Policy, leftover, lowest_scores


class BestFit(Policy):
    name = "best_fit"

    def order(self, table, mask, request, state, k):
        return lowest_scores(mask, leftover(table, request), k)
