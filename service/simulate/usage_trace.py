"""A day of per-VM CPU use (the PlanetLab traces' format): ``name,u1,...,uK`` per line, each u
the VM's CPU in % of one core over one interval (288 five-minute intervals a day).

Every bad line is reported with its file and line number; a line whose sample count
differs from the first line's is one of them.
"""

import csv

import numpy as np

from service.errors import ConfigError
from service.simulate.workload import is_number

INTERVAL_S = 300
MAX_ERRORS = 20


def read(path):
    """(names, (n, k) float array of % of one core) from PATH; ConfigError naming bad lines."""
    names, rows, errors = [], [], []
    try:
        with open(path, newline="") as fh:
            for number, row in enumerate(csv.reader(fh), start=1):
                if not row or row[0].lstrip().startswith("#"):
                    continue
                problem = _problem(row, len(rows[0]) if rows else None)
                if problem:
                    errors.append(f"{path}:{number}: {problem}")
                    continue
                names.append(row[0])
                rows.append([float(value) for value in row[1:]])
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the usage trace: {exc}") from exc
    if errors:
        more = f"\n(and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise ConfigError("\n".join(errors[:MAX_ERRORS]) + more)
    if not rows:
        raise ConfigError(f"{path}: the usage trace has no VM lines (name,u1,...,u288)")
    return names, np.asarray(rows, dtype=np.float64)


def _problem(row, width):
    if len(row) < 2:
        return "expected name,u1,...,uK (a VM's name and its CPU samples in % of one core)"
    try:
        values = [float(value) for value in row[1:]]
    except ValueError:
        bad = next(v for v in row[1:] if not is_number(v))
        return f"sample {bad!r} is not a number"
    if any(v < 0 or v != v for v in values):
        return "samples must be numbers >= 0"
    if width is not None and len(values) != width:
        return f"{len(values)} samples where the first line has {width}"
    return None

