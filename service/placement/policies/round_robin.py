"""round_robin: the next host after the last one used, wrapping around.

The position (the last pmid placed on) lives in the policy state, which the
service keeps in the store so that several server processes share it.
"""

import numpy as np

from service.placement.policies.base import Policy, first_rows

CURSOR = "round_robin.cursor"


class RoundRobin(Policy):
    name = "round_robin"

    def order(self, table, mask, request, state, k):
        cursor = int(state.get(CURSOR, 0))
        start = int(np.searchsorted(table.ids, cursor, side="right")) % max(len(mask), 1)
        return first_rows(mask, start, k)

    def placed(self, table, i, state):
        state[CURSOR] = int(table.ids[i])
