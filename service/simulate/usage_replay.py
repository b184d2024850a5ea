"""A day of real per-VM CPU use replayed through a placement and rebalancing policy.

Every trace VM exists all day as one instance type; the fleet is ``hosts`` hosts of
one size. The policy places every VM at the start (it knows nothing of their use
yet), then after each interval it sees what telemetry would have shown (each host's
use and steal, each VM's use, all up to then) and returns the migrations it wants,
which land before the next interval. Over the day the replay counts:

- host-hours: hosts holding at least one VM, interval by interval;
- overload: the share of host-time (of hosts in use) whose guests wanted more CPU
  than the host has;
- steal: per VM and interval in which the VM wanted CPU, from the contention model
  (contention.py); the report gives its p99;
- migrations per VM per day.

A policy is an object with ``place(replay)`` (a row per VM) and ``step(replay, t)``
(moves [(vm, row)] after interval T); policies.py and anchors.py hold them.
"""

import dataclasses
import time

import numpy as np

from service.simulate import contention
from service.simulate.usage_trace import INTERVAL_S


@dataclasses.dataclass
class Day:
    demand: np.ndarray      # (vms, intervals) cores wanted (each at most its vCPUs)
    vm_size: tuple          # (cpu, ram_mb, disk_gb) of every VM
    host_size: tuple        # (cpu, ram_mb, disk_gb) of every host: cpu is cores
    hosts: int

    @classmethod
    def from_trace(cls, percent, vm_size, host_size, hosts=None):
        """PERCENT (vms, intervals) of one core; HOSTS defaults to as many as allocation
        needs (every VM's vCPUs and RAM at face value)."""
        demand = np.minimum(np.asarray(percent, dtype=np.float64) / 100.0, vm_size[0])
        if hosts is None:
            per_host = min(host_size[r] // vm_size[r] for r in range(3))
            hosts = -(-len(demand) // per_host)
        return cls(demand, tuple(vm_size), tuple(host_size), int(hosts))

    @property
    def vms(self):
        return self.demand.shape[0]

    @property
    def intervals(self):
        return self.demand.shape[1]


class Replay:
    """The day as a policy sees it after interval t: host_of, use and steal so far."""

    def __init__(self, day):
        self.day = day
        self.cores = np.full(day.hosts, float(day.host_size[0]))
        self.host_of = np.zeros(day.vms, dtype=np.int64)
        self.moved_at = np.full(day.vms, -10**9, dtype=np.int64)
        self.host_use = np.zeros((day.hosts, day.intervals))    # fraction of its cores
        self.host_steal = np.zeros((day.hosts, day.intervals))

    def vm_window(self, t, k):
        """(vms, k) each VM's use over the last K intervals up to T, in % of its vCPUs
        (NaN before the day began)."""
        window = np.full((self.day.vms, k), np.nan)
        first = max(0, t - k + 1)
        window[:, k - (t + 1 - first):] = (self.day.demand[:, first:t + 1]
                                           / self.day.vm_size[0] * 100.0)
        return window

    def counts(self):
        return np.bincount(self.host_of, minlength=self.day.hosts)


def run(day, policy, name):
    """Replay DAY under POLICY; the report dict (NAME is the policy's label)."""
    replay = Replay(day)
    started = time.perf_counter()
    replay.host_of[:] = policy.place(replay)
    over_time = in_use_time = migrations = 0
    steal_samples = []
    step_s = []
    for t in range(day.intervals):
        wanted = day.demand[:, t]
        demand = np.bincount(replay.host_of, weights=wanted, minlength=day.hosts)
        in_use = replay.counts() > 0
        steal = contention.host_steal(demand, replay.cores)
        replay.host_use[:, t] = demand / replay.cores
        replay.host_steal[:, t] = steal
        in_use_time += int(in_use.sum())
        over_time += int((in_use & (demand > replay.cores + 1e-9)).sum())
        steal_samples.append(steal[replay.host_of][wanted > 0])
        stepping = time.perf_counter()
        moves = policy.step(replay, t) if t < day.intervals - 1 else []
        step_s.append(time.perf_counter() - stepping)
        for vm, row in moves:
            replay.host_of[vm] = row
            replay.moved_at[vm] = t
        migrations += len(moves)
    host_hours = in_use_time * INTERVAL_S / 3600
    steal = np.concatenate(steal_samples) if steal_samples else np.zeros(1)
    return {"policy": name, "vms": day.vms, "hosts": day.hosts,
            "host_hours": round(host_hours, 1),
            "overload": round(over_time / max(in_use_time, 1), 5),
            "steal_p99": round(float(np.percentile(steal, 99)), 4),
            "migrations_per_vm_day": round(migrations / day.vms
                                           * (86400 / (day.intervals * INTERVAL_S)), 3),
            "step_ms_max": round(max(step_s) * 1000, 1),
            "wall_s": round(time.perf_counter() - started, 2)}


def oracle(day):
    """The oracle's host-hours: every interval, the demand re-packed from scratch (first fit
    decreasing on cores wanted and RAM, hosts filled to all their cores) with free
    migrations; and the plain lower bound (total demand or RAM over one host's)."""
    cores, ram = float(day.host_size[0]), float(day.host_size[1])
    vm_ram = float(day.vm_size[1])
    packed = bound = 0
    for t in range(day.intervals):
        wanted = np.sort(day.demand[:, t])[::-1]
        cpu_left, ram_left = np.empty(0), np.empty(0)  # per host opened so far
        for need in wanted:
            fits = np.flatnonzero((cpu_left >= need - 1e-12) & (ram_left >= vm_ram))
            if len(fits):
                cpu_left[fits[0]] -= need
                ram_left[fits[0]] -= vm_ram
            else:
                cpu_left = np.append(cpu_left, cores - need)
                ram_left = np.append(ram_left, ram - vm_ram)
        packed += len(ram_left)
        bound += max(np.ceil(wanted.sum() / cores - 1e-9), np.ceil(len(wanted) * vm_ram / ram))
    hours = INTERVAL_S / 3600
    return {"policy": "oracle", "vms": day.vms, "hosts": day.hosts,
            "host_hours": round(packed * hours, 1), "lower_bound_host_hours":
            round(bound * hours, 1), "overload": 0.0, "steal_p99": 0.0,
            "migrations_per_vm_day": None}
