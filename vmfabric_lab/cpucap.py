"""A lab host's CPU capped on purpose: its processes (libvirtd, its guests' QEMU) put in a
cgroup v1 CPU group with a CFS quota, so guests contend and their vCPUs wait (steal).

On these machines the cpu controller is mounted as cgroup v1 (/sys/fs/cgroup/cpu); the
unified hierarchy has no cpu controller. A process started later by a capped libvirtd is
capped too (a child stays in its parent's group); the group's cpu.stat counts throttling.
"""

import os

from service.errors import LabError

ROOT = "/sys/fs/cgroup/cpu"
PERIOD_US = 100_000


def _write(path, value):
    with open(path, "w") as fh:
        fh.write(str(value))


def cap(group, pids, cores):
    """Put PIDS in GROUP, allowed CORES CPUs' worth of time (0.5: half of one)."""
    if not os.path.isdir(ROOT):
        raise LabError(f"no cgroup v1 cpu controller at {ROOT}: a lab host cannot be capped here")
    if not 0.01 <= cores <= 64:
        raise LabError(f"--cores {cores!r}: from 0.01 to 64")
    path = os.path.join(ROOT, group)
    os.makedirs(path, exist_ok=True)
    _write(os.path.join(path, "cpu.cfs_period_us"), PERIOD_US)
    _write(os.path.join(path, "cpu.cfs_quota_us"), int(cores * PERIOD_US))
    for pid in pids:
        try:
            _write(os.path.join(path, "cgroup.procs"), pid)
        except (ProcessLookupError, FileNotFoundError):
            pass  # (gone since it was listed)
    return path


def uncap(group):
    """Every process of GROUP back in the root group, and GROUP removed (nothing if none)."""
    path = os.path.join(ROOT, group)
    if not os.path.isdir(path):
        return
    with open(os.path.join(path, "cgroup.procs")) as fh:
        pids = [line.strip() for line in fh if line.strip()]
    for pid in pids:
        try:
            _write(os.path.join(ROOT, "cgroup.procs"), pid)
        except ProcessLookupError:
            pass
    os.rmdir(path)

