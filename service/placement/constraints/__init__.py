"""Host constraints: hard rules a host must meet to take a request.

Each module has one ``host_mask(table, request)`` returning a bool array
(True = the host may take the request) or None when it does not constrain this
request. CONSTRAINTS is the registry; every constraint always runs (they are
cheap). Policies then order the hosts that pass.
"""

import numpy as np

from service.placement.constraints import capacity, up, use

CONSTRAINTS = {
    "up": up.host_mask,
    "capacity": capacity.host_mask,
    "use": use.host_mask,
}


def passing(table, request, constraints=CONSTRAINTS):
    """A bool array over TABLE's rows: True where the host meets every constraint."""
    mask = np.ones(len(table), dtype=bool)
    for host_mask in constraints.values():
        found = host_mask(table, request)
        if found is not None:
            mask &= found
    return mask
