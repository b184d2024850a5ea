"""first_fit: the lowest pmid that has room. Simple and predictable; fills hosts in order."""

from service.placement.policies.base import Policy, first_rows


class FirstFit(Policy):
    name = "first_fit"

    def order(self, table, mask, request, state, k):
        return first_rows(mask, 0, k)
