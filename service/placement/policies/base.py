"""What policies share: ordering by a score, and the normalised leftover of a host.

Policies work on whole columns (every host, with a mask of those that passed
the constraints) rather than on a gathered subset: contiguous arithmetic over
100,000 hosts costs less than gathering the candidates first.
"""

import numpy as np


class Policy:
    name = "policy"

    def order(self, table, mask, request, state, k):
        """At most K row indices where MASK is True, best first."""
        raise NotImplementedError

    def placed(self, table, i, state):
        """Called after a placement on TABLE row I succeeded; most policies forget it."""


def lowest_scores(mask, score, k):
    """Rows where MASK holds, by SCORE ascending (ties: lower row first), at most K."""
    if len(mask) == 0:
        return np.asarray([], dtype=np.int64)
    score = np.where(mask, score, np.inf)
    if k == 1:
        i = int(np.argmin(score))
        return np.asarray([i] if mask[i] else [], dtype=np.int64)
    k = min(k, int(np.count_nonzero(mask)))
    if k == 0:
        return np.asarray([], dtype=np.int64)
    part = np.argpartition(score, k - 1)[:k] if k < len(score) else np.arange(len(score))
    return part[np.lexsort((part, score[part]))][:k]


def first_rows(mask, start, k):
    """The first K rows at or after START where MASK holds, wrapping around."""
    rows = np.flatnonzero(mask[start:])[:k] + start
    if len(rows) < k:
        rows = np.concatenate((rows, np.flatnonzero(mask[:start])[:k - len(rows)]))
    return rows


def leftover(table, request):
    """Per host, the sum over resources of the share left free after placing REQUEST.

    0 means the request fills the host exactly in every resource; comparing
    hosts by it packs (or spreads) CPU, RAM and disk together rather than by
    one resource.
    """
    score = table.free[0] - request.cpu
    score = score * table.inv_cap[0]
    score += (table.free[1] - request.ram_mb) * table.inv_cap[1]
    score += (table.free[2] - request.disk_gb) * table.inv_cap[2]
    return score
