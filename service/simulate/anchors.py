"""The policies of the systems vmfabric is compared with, re-implemented from their documented
defaults for the usage replay (usage_replay.py). Each places with one of vmfabric's
placement plugins that does what its scheduler does, then rebalances by its own rule:

- ``cloudstack_drs``: first fit on allocations (CPU and RAM at ratio 1); every hour, DRS
  "balanced" on *allocated* memory: while the imbalance (standard deviation over mean
  of the hosts' allocated memory) is over 0.4, the move from the most to the least
  allocated host that lowers it most, at most 20 % of the VMs an hour.
- ``ovirt_power_saving``: VMs packed on RAM (vCPUs may be overcommitted); every minute
  (five per interval here) one VM moves: off a host over 80 % CPU for 5 minutes (its
  least busy VM, to the busiest host that stays under 80 %), else off a host under 20 %
  CPU (to empty it, onto the busiest host that stays under 80 %).
- ``ovirt_evenly_distributed``: VMs spread (least loaded host); every minute one VM off a
  host over 80 % CPU for 5 minutes, to the least loaded host.
- ``proxmox_dynamic``: VMs spread by the static load; when the imbalance of the nodes'
  CPU load (its coefficient of variation) has been over 0.3 for 3 rounds, the VM whose
  move from the busiest node to the least busy lowers it most moves (one per round).
- ``watcher_workload_balance``: Nova's spread placement (CPU ratio 4, RAM 1); every
  5 minutes, each host over 25 % CPU gives up the VM that brings it closest under, to
  the least loaded host that stays under 25 % with it.

RAM is never overcommitted by any of them (their defaults), so every move checks it.
"""

import numpy as np

from service.simulate.usage_policies import place_all

HIGH, LOW = 0.8, 0.2


class _Anchor:
    policy, cpu_ratio = "best_fit", 4.0

    def place(self, replay):
        return place_all(replay, self.policy, self.cpu_ratio)

    def _ram_room(self, replay):
        """(hosts,) how many more VMs each host's RAM takes."""
        per_host = replay.day.host_size[1] // replay.day.vm_size[1]
        return per_host - replay.counts()

    @staticmethod
    def _load(replay, t):
        return replay.host_use[:, t].copy()


class CloudStackDrs(_Anchor):
    policy, cpu_ratio = "first_fit", 1.0
    IMBALANCE, ITERATIONS, EVERY = 0.4, 0.2, 12

    def step(self, replay, t):
        if (t + 1) % self.EVERY:
            return []
        counts = replay.counts().astype(np.float64)
        room = self._ram_room(replay)
        cpu_room = (replay.day.host_size[0] // replay.day.vm_size[0]) - replay.counts()
        moves = []
        for _ in range(int(self.ITERATIONS * replay.day.vms)):
            mean = counts.mean()
            if mean == 0 or counts.std() / mean <= self.IMBALANCE:
                break
            source, target = int(np.argmax(counts)), int(np.argmin(counts))
            if room[target] < 1 or cpu_room[target] < 1 or counts[source] - counts[target] < 2:
                break
            vm = int(np.flatnonzero(replay.host_of == source)[0])
            replay.host_of[vm] = target
            counts[source] -= 1
            counts[target] += 1
            room[target] -= 1
            cpu_room[target] -= 1
            moves.append((vm, target))
        return moves


class OvirtPowerSaving(_Anchor):
    policy, cpu_ratio = "best_fit", 16.0  # packs on RAM: oVirt does not count vCPUs
    DURATION, PER_INTERVAL = 1, 5  # 5 minutes of five-minute samples; one VM a minute

    def step(self, replay, t):
        return _ovirt(replay, t, self.DURATION, self.PER_INTERVAL, power_saving=True)


class OvirtEvenlyDistributed(_Anchor):
    policy = "worst_fit"

    def step(self, replay, t):
        return _ovirt(replay, t, OvirtPowerSaving.DURATION, OvirtPowerSaving.PER_INTERVAL,
                      power_saving=False)


def _ovirt(replay, t, duration, per_interval, power_saving):
    cores = replay.cores
    load = replay.host_use[:, t] * cores  # cores, as the last samples show
    sustained = np.all(replay.host_use[:, max(0, t - duration + 1):t + 1] > HIGH, axis=1)
    wanted = replay.day.demand[:, t]
    room = (replay.day.host_size[1] // replay.day.vm_size[1]) - replay.counts()
    moves, moved = [], set()
    for _ in range(per_interval):
        counts = np.bincount(replay.host_of, minlength=len(cores))
        over = np.flatnonzero(sustained & (load / cores > HIGH))
        under = np.flatnonzero((counts > 0) & (load / cores < LOW)) if power_saving else []
        sources = list(over) + [row for row in sorted(under, key=lambda r: load[r])]
        done = False
        for source in sources:
            vms = [vm for vm in np.flatnonzero(replay.host_of == source) if vm not in moved]
            if not vms:
                continue
            vm = min(vms, key=lambda v: wanted[v])  # the least busy: the cheapest to move
            after = (load + wanted[vm]) / cores
            fits = (after <= HIGH) & (room > 0) & (np.arange(len(cores)) != source)
            if source not in over:  # emptying an idle host: only onto hosts in use, busier
                fits &= (counts > 0) & (load > load[source])
            if not fits.any():
                continue
            target = int(np.argmax(np.where(fits, load, -np.inf)) if power_saving
                         else np.argmin(np.where(fits, load, np.inf)))
            replay.host_of[vm] = target
            load[source] -= wanted[vm]
            load[target] += wanted[vm]
            room[source] += 1
            room[target] -= 1
            moves.append((int(vm), target))
            moved.add(vm)
            done = True
            break
        if not done:
            break
    return moves


class ProxmoxDynamic(_Anchor):
    policy = "worst_fit"
    IMBALANCE, ROUNDS = 0.3, 3

    def __init__(self):
        self.held = 0

    def step(self, replay, t):
        load = replay.host_use[:, t] * replay.cores
        mean = load.mean()
        imbalance = load.std() / mean if mean > 0 else 0.0
        self.held = self.held + 1 if imbalance > self.IMBALANCE else 0
        if self.held < self.ROUNDS:
            return []
        source, target = int(np.argmax(load)), int(np.argmin(load))
        room = self._ram_room(replay)
        if room[target] < 1:
            return []
        wanted = replay.day.demand[:, t]
        best, best_imbalance = None, imbalance
        for vm in np.flatnonzero(replay.host_of == source):
            trial = load.copy()
            trial[source] -= wanted[vm]
            trial[target] += wanted[vm]
            value = trial.std() / mean
            if value < best_imbalance:
                best, best_imbalance = int(vm), value
        if best is None:
            return []
        self.held = 0
        replay.host_of[best] = target
        return [(best, target)]


class WatcherWorkloadBalance(_Anchor):
    policy = "worst_fit"
    THRESHOLD = 0.25

    def step(self, replay, t):
        cores = replay.cores
        load = replay.host_use[:, t] * cores
        room = self._ram_room(replay)
        wanted = replay.day.demand[:, t]
        moves = []
        for source in np.flatnonzero(load / cores > self.THRESHOLD):
            excess = load[source] - self.THRESHOLD * cores[source]
            vms = np.flatnonzero(replay.host_of == source)
            if not len(vms):
                continue
            vm = int(vms[np.argmin(np.abs(wanted[vms] - excess))])
            fits = ((load + wanted[vm]) / cores <= self.THRESHOLD) & (room > 0)
            fits[source] = False
            if not fits.any():
                continue
            target = int(np.argmin(np.where(fits, load, np.inf)))
            replay.host_of[vm] = target
            load[source] -= wanted[vm]
            load[target] += wanted[vm]
            room[source] += 1
            room[target] -= 1
            moves.append((vm, target))
        return moves


ANCHORS = {
    "cloudstack_drs": CloudStackDrs,
    "ovirt_power_saving": OvirtPowerSaving,
    "ovirt_evenly_distributed": OvirtEvenlyDistributed,
    "proxmox_dynamic": ProxmoxDynamic,
    "watcher_workload_balance": WatcherWorkloadBalance,
}
