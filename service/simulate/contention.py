"""What guests feel when a host is asked for more CPU than it has: steal.

A host whose guests want D cores at once but has C (D > C) runs each runnable vCPU
C/D of the time it wants: the rest it waits, which the guest sees as steal. So a
VM's steal over an interval is 1 - C/D on a host over capacity, and nothing on one
under it. Measured on the lab (tests/bench/bench_contention.py: two busy guests on a
host whose CPU is capped at 0.5, 1 and 1.5 cores by a CFS quota), the guests read
75.7, 50.9 and 26.0 % where the model says 75, 50 and 25 %: 1.01-1.04 times it, so
``SCALE`` stays 1 (docs/performance.md has the run).
"""

import numpy as np

SCALE = 1.0


def host_steal(demand, cores):
    """(hosts,) the steal fraction a runnable vCPU sees on each host: DEMAND and CORES in cores."""
    demand = np.asarray(demand, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        steal = np.where(demand > cores, 1.0 - np.asarray(cores, dtype=np.float64) / demand, 0.0)
    return np.clip(steal * SCALE, 0.0, 1.0)
