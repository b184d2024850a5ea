"""Streams of VM arrivals and departures for `vmfabric simulate`.

Synthetic: Poisson arrivals (rate 1) of a mix of flavors with exponential
lifetimes, sized so the fleet's busiest moment asks for about 60% of its CPU.
Trace: a CSV file with ``arrival,lifetime,cpu,ram_mb,disk_gb`` per line (a
header line is allowed); every bad line is reported with its number.
"""

import csv
import dataclasses
import random

from service.errors import ConfigError

# (cpu, ram_mb, disk_gb, weight): a general-purpose cloud mix with some memory-heavy types
FLAVORS = (
    (1, 2048, 20, 30),
    (2, 4096, 40, 25),
    (4, 8192, 80, 20),
    (8, 16384, 160, 12),
    (16, 65536, 320, 8),
    (2, 16384, 50, 5),
)
FILL = 0.6


@dataclasses.dataclass(frozen=True)
class Arrival:
    time: float
    lifetime: float
    cpu: int
    ram_mb: int
    disk_gb: int

    @property
    def vector(self):
        return (self.cpu, self.ram_mb, self.disk_gb)


def synthetic(requests, hosts, host_size, seed=0):
    for cpu, ram, disk, _ in FLAVORS:
        if cpu > host_size[0] or ram > host_size[1] or disk > host_size[2]:
            raise ConfigError(f"flavor {cpu},{ram},{disk} of the synthetic mix is larger than "
                              f"the host size {','.join(map(str, host_size))}; use larger hosts")
    rng = random.Random(seed)
    weights = [f[3] for f in FLAVORS]
    mean_cpu = sum(f[0] * f[3] for f in FLAVORS) / sum(weights)
    mean_lifetime = FILL * hosts * host_size[0] / mean_cpu
    now = 0.0
    for _ in range(requests):
        now += rng.expovariate(1.0)
        cpu, ram, disk, _ = rng.choices(FLAVORS, weights)[0]
        yield Arrival(now, rng.expovariate(1.0 / mean_lifetime), cpu, ram, disk)


def trace(path, host_size):
    """Arrivals from a CSV trace, in time order; raises ConfigError naming bad lines."""
    arrivals, errors = [], []
    try:
        with open(path, newline="") as fh:
            for number, row in enumerate(csv.reader(fh), start=1):
                if not row or row[0].strip().startswith("#"):
                    continue
                if number == 1 and not is_number(row[0]):
                    continue  # header
                try:
                    arrivals.append(_arrival(row, host_size))
                except ValueError as exc:
                    errors.append(f"{path}:{number}: {exc}")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read trace: {exc}") from exc
    if errors:
        raise ConfigError("\n".join(errors[:20]))
    if not arrivals:
        raise ConfigError(f"{path}: the trace has no arrivals")
    arrivals.sort(key=lambda a: a.time)
    return arrivals


def is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _arrival(row, host_size):
    if len(row) != 5:
        raise ValueError(f"expected 5 fields arrival,lifetime,cpu,ram_mb,disk_gb, got {len(row)}")
    try:
        time, lifetime = float(row[0]), float(row[1])
        cpu, ram, disk = (int(v) for v in row[2:])
    except ValueError:
        raise ValueError(f"not numbers: {','.join(row)}") from None
    if time < 0 or lifetime <= 0 or min(cpu, ram, disk) <= 0:
        raise ValueError("arrival must be >= 0, lifetime and sizes > 0")
    if cpu > host_size[0] or ram > host_size[1] or disk > host_size[2]:
        raise ValueError(f"request {cpu},{ram},{disk} is larger than any host "
                         f"({','.join(map(str, host_size))})")
    return Arrival(time, lifetime, cpu, ram, disk)
