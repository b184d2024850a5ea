"""Bounded history, like RRD: each tier keeps one sample every ``step`` seconds for ``keep``
seconds in a ring of keep/step slots, so what is stored grows with the fleet, never with
time. The first tier takes every sample; each coarser one the mean of its step (and the
highest CPU within it), closed when a sample of its next step arrives.
"""

import dataclasses
import math
import struct

from service.store.samples import RECORD
from service.telemetry.rates import FIELDS

STORED = FIELDS + ("cpu_max",)
PACKED = struct.Struct(f"<{len(STORED)}f")  # 4 bytes a value: a sample is 48 bytes
STEP = struct.Struct(f"<I{len(STORED)}f")  # a coarser tier's step: its time, then its values
assert STEP.size == RECORD
RANGES = {"1h": 3600, "24h": 86400, "30d": 30 * 86400}
WINDOWS = {"5m": 300, "1h": 3600}


@dataclasses.dataclass(frozen=True)
class Tier:
    step: int
    keep: int

    @property
    def slots(self):
        return self.keep // self.step

    def slot(self, at):
        return int(at // self.step) % self.slots


def tiers_of(settings):
    return [Tier(int(t["step"]), int(t["keep"])) for t in settings["tiers"]]


def tier_for(tiers, range_name):
    """The index of the finest tier that keeps RANGE_NAME (1h, 24h, 30d) whole (else the
    longest)."""
    span = RANGES[range_name]
    for index, tier in enumerate(tiers):
        if tier.keep >= span:
            return index
    return len(tiers) - 1


def pack(values):
    return PACKED.pack(*values)


def unpack(data):
    return PACKED.unpack(data)


def step_record(at, values):
    return STEP.pack(int(at), *values)


def points(rows, tier, since):
    """[(at, values)] after SINCE, oldest first, of what SampleRepo.series gave for TIER."""
    if tier == 0:
        return [(at, unpack(data)) for at, data in rows]
    found = []
    for _, block in rows:
        for at, *values in STEP.iter_unpack(block):
            if at > since:  # (0: a place in the block not written yet)
                found.append((float(at), tuple(values)))
    found.sort(key=lambda point: point[0])
    return found


def stored(sample):
    """A sample as the first tier keeps it: its fields, and its CPU as the highest CPU."""
    return (*sample, sample[0])


class Downsampler:
    """The open step of each coarser tier, per series; what is open when the process stops
    is lost (a hole of at most one step in that tier)."""

    def __init__(self, tiers):
        self.tiers = tiers
        self._open = {}  # (series key, tier index) -> [step number, sums, count, highest cpu]

    def add(self, key, at, values):
        """Take VALUES (a stored sample) of series KEY at AT; [(tier index, at, values)] of the
        steps it closed."""
        closed = []
        for index in range(1, len(self.tiers)):
            step = self.tiers[index].step
            number = int(at // step)
            current = self._open.get((key, index))
            if current is not None and current[0] != number:
                closed.append((index, current[0] * step, _mean(current)))
                current = None
            if current is None:
                current = self._open[(key, index)] = [number, [0.0] * len(values), 0, -math.inf]
            sums = current[1]
            for i, value in enumerate(values):
                sums[i] += value
            current[2] += 1
            current[3] = max(current[3], values[-1])
        return closed

    def forget(self, keep):
        """Drop the open steps of series not in KEEP (deleted VMs, removed hosts)."""
        for key in [k for k in self._open if k[0] not in keep]:
            del self._open[key]


def _mean(current):
    _, sums, count, highest = current
    return tuple(s / count for s in sums[:-1]) + (highest,)


def summary(points, now):
    """{window: {field: {p50, p95, max}}} of CPU and steal over the last 5 minutes and hour,
    from first-tier POINTS [(at, values)]."""
    found = {}
    for window, seconds in WINDOWS.items():
        recent = [values for at, values in points if at > now - seconds]
        found[window] = {field: _percentiles([v[i] for v in recent])
                         for i, field in enumerate(FIELDS[:2])}
    return found


def _percentiles(values):
    """Nearest-rank p50 and p95 and the highest of VALUES (None when there are none)."""
    clean = sorted(v for v in values if not math.isnan(v))
    if not clean:
        return {"p50": None, "p95": None, "max": None}

    def rank(p):
        return round(clean[max(0, math.ceil(p / 100 * len(clean)) - 1)], 2)
    return {"p50": rank(50), "p95": rank(95), "max": round(clean[-1], 2)}
