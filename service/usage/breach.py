"""When a host's use or steal has been over target long enough to act on (the hysteresis).

Telemetry (the service) and a replayed trace (the simulator) hand in the same thing:
each host's last samples, oldest first. A breach counts only when every one of the
last ``hold`` samples is over, so one busy interval never moves anything.
"""

import numpy as np


def breached(use, steal, hold, target, steal_target):
    """{row: why} of the hosts whose USE (hosts x samples: fractions of their cores) or STEAL
    (the same shape: fractions of their guests' time) was over TARGET, or STEAL_TARGET, in
    each of the last HOLD samples. Hosts with fewer samples are not breached."""
    use, steal = np.asarray(use, dtype=np.float64), np.asarray(steal, dtype=np.float64)
    if hold < 1 or use.ndim != 2 or use.shape[1] < hold:
        return {}
    recent_use, recent_steal = use[:, -hold:], steal[:, -hold:]
    over_use = np.all(recent_use > target, axis=1)
    over_steal = np.all(recent_steal > steal_target, axis=1)
    found = {}
    for row in np.flatnonzero(over_use | over_steal):
        if over_use[row]:
            found[int(row)] = (f"use over {target:.0%} of its cores in each of its last {hold} "
                               f"samples (now {recent_use[row, -1]:.0%})")
        else:
            found[int(row)] = (f"steal over {steal_target:.0%} in each of its last {hold} "
                               f"samples (now {recent_steal[row, -1]:.0%})")
    return found
