"""A VM's expected CPU demand, in cores: what it was seen using, else what it declared.

Decisions use a percentile (``usage.percentile``, 80 by default) of the VM's observed
CPU over the last window (an hour) once it has enough samples (``MIN_SAMPLES``); before that, what its create declared (a fraction of its
vCPUs, or a named profile); a VM that declared nothing is expected to use all its vCPUs
(the safe guess, the same as allocation-based placement).
"""

import math

import numpy as np

from service.errors import ValidationError

# a named profile: the share of its vCPUs a VM of that kind typically keeps busy at p95
PROFILES = {"idle": 0.05, "light": 0.15, "web": 0.3, "database": 0.5, "batch": 1.0}
MIN_SAMPLES = 6


def declared_share(expected):
    """The fraction of its vCPUs a create's EXPECTED (a number 0-1, a profile name, or None)
    stands for; None when nothing was declared. ValidationError naming a bad value."""
    if expected is None:
        return None
    if isinstance(expected, str):
        if expected not in PROFILES:
            raise ValidationError(f"expected_use: {expected!r} is neither a fraction 0-1 nor a "
                                  f"profile ({', '.join(f'{n} {v:g}' for n, v in PROFILES.items())})",
                                  field="expected_use")
        return PROFILES[expected]
    if isinstance(expected, bool) or not isinstance(expected, (int, float)) \
            or not 0 < expected <= 1 or math.isnan(expected):
        raise ValidationError(f"expected_use: {expected!r} is not a fraction of the VM's vCPUs "
                              f"above 0 and at most 1, nor a profile name", field="expected_use")
    return float(expected)


def estimate(vcpus, observed, declared, percentile=95):
    """(cores, source): VCPUS' expected demand from OBSERVED (the last window's CPU samples in
    % of its vCPUs, at PERCENTILE) or DECLARED (a share, or None); estimates() for one VM."""
    window = np.array([list(observed or ())], dtype=np.float64)
    cores = float(estimates([vcpus], window, [np.nan if declared is None else declared],
                            percentile)[0])
    if window.shape[1] and np.sum(~np.isnan(window)) >= MIN_SAMPLES:
        return cores, f"observed p{percentile:g} {cores / vcpus:.0%} of its vCPUs"
    if declared is not None:
        return cores, f"declared {declared:.0%}"
    return cores, "no history and nothing declared: all its vCPUs"


def estimates(vcpus, window, declared, percentile=95):
    """The estimates of many VMs at once, as estimate() makes them: VCPUS (n,), WINDOW (n, k)
    their last k samples in % of their vCPUs (NaN: none), DECLARED (n,) shares (NaN: none);
    the (n,) cores expected (at PERCENTILE of the window: 95 unless told)."""
    vcpus = np.asarray(vcpus, dtype=np.float64)
    window = np.asarray(window, dtype=np.float64)
    declared = np.asarray(declared, dtype=np.float64)
    known = np.sum(~np.isnan(window), axis=1) >= MIN_SAMPLES if window.shape[1] else \
        np.zeros(len(vcpus), dtype=bool)
    share = np.where(np.isnan(declared), 1.0, declared)
    if known.any():
        ranked = np.sort(np.where(np.isnan(window[known]), -np.inf, window[known]), axis=1)
        counts = np.sum(~np.isnan(window[known]), axis=1)
        rank = np.maximum(np.ceil(percentile / 100 * counts).astype(np.int64) - 1, 0)
        picked = ranked[np.arange(len(rank)), window.shape[1] - counts + rank]
        share[known] = np.minimum(picked, 100.0) / 100.0
    return vcpus * share
