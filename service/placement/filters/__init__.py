"""Host filters: each module has one ``host_mask(table, request)`` returning a bool array
(True = the host may take the request) or None when it does not constrain this request.

FILTERS is the registry; every filter always runs (they are cheap).
"""

import numpy as np

from service.placement.filters import capacity, domain_type, up

FILTERS = {
    "up": up.host_mask,
    "capacity": capacity.host_mask,
    "domain_type": domain_type.host_mask,
}


def passing(table, request, filters=FILTERS):
    """A bool array over TABLE's rows: True where the host passes every filter."""
    mask = np.ones(len(table), dtype=bool)
    for host_mask in filters.values():
        found = host_mask(table, request)
        if found is not None:
            mask &= found
    return mask
