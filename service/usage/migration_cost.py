"""What a live migration is expected to cost: the seconds pre-copy takes to converge.

Pre-copy sends the guest's memory once, then again what it dirtied meanwhile, and so on:
with memory M, link bandwidth B and dirty rate W (W < B), the rounds sum to about
M / (B - W). A guest dirtying as fast as the link sends never converges without
throttling: it costs the most. Rebalancing prefers cheap moves by this figure.
"""

import numpy as np

BANDWIDTH_MBPS = 1000.0  # MB/s: migrations between hosts of one site
NEVER = 3600.0           # the cost of a guest that dirties faster than the link
DIRTY_PER_CORE = 64.0    # MB/s a busy vCPU is taken to dirty when it was not measured


def seconds(ram_mb, dirty_mbps, bandwidth=BANDWIDTH_MBPS):
    """Expected seconds to migrate RAM_MB of memory dirtied at DIRTY_MBPS (arrays work)."""
    dirty = np.asarray(dirty_mbps, dtype=np.float64)
    margin = bandwidth - dirty
    with np.errstate(divide="ignore"):
        return np.where(margin > 0, np.asarray(ram_mb, dtype=np.float64) / np.maximum(margin, 1e-9),
                        NEVER)


def dirty_guess(cores_busy):
    """MB/s a guest dirties when nothing better is known: in proportion to the CPU it keeps
    busy (DIRTY_PER_CORE MB/s a busy core)."""
    return np.asarray(cores_busy, dtype=np.float64) * DIRTY_PER_CORE
