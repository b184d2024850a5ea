"""The fleet with what its VMs use beside what they hold: a fourth resource, ``cpu_use``.

A usage fleet is a rebalance model (service/rebalance/model.py) whose hosts have
one more column, the CPU their guests are expected to use (milli-cores: every
VM's estimate, service/usage/demand.py, summed, the VMs that cannot move too),
against a ceiling the goal sets (a fraction of the host's cores). Allocation
stays as it was: a plan on it never exceeds a host's allocated RAM, disk or
CPU (CPU with its allocation ratio, which an operator raises to let use decide).

It also carries what the goals explain themselves with: the hosts whose breach
has lasted (``breached``: row -> why) and the VMs that may not move now
(``staying``: vmid -> why).
"""

import numpy as np

from service.rebalance.model import Fleet, Vm

USE = "cpu_use"
MILLI = 1000


class UsageFleet(Fleet):
    def __init__(self, base, cores, pinned_use, use_of, cost_of=None, breached=None,
                 staying=None):
        """BASE: the allocation Fleet (its VMs are those that may move); CORES (n,) each host's
        physical cores; PINNED_USE (n,) cores used by VMs that cannot move; USE_OF {vmid:
        cores} of the movable ones; COST_OF {vmid: seconds a migration is expected to take}."""
        self.cores = np.asarray(cores, dtype=np.float64)
        use = np.asarray(pinned_use, dtype=np.float64) * MILLI
        vms = []
        for vm in base.vms:
            milli = int(round(use_of[vm.id] * MILLI))
            use[vm.host] += milli
            vms.append(Vm(id=vm.id, host=vm.host, need=np.append(vm.need, milli), group=vm.group,
                          spread=vm.spread))
        spread_held = {group: [row for row, count in rows.items() for _ in range(count)]
                       for group, rows in base.spread_rows.items()}
        for vm in base.vms:  # the movable VMs' own holds are added back by Fleet
            if vm.spread >= 0:
                spread_held[vm.spread].remove(vm.host)
        super().__init__(base.pmids, np.vstack([base.cap, (self.cores * MILLI)[None, :]]),
                         np.vstack([base.used, np.round(use)[None, :]]), base.open, base.groups,
                         vms, spread_held, names=base.names + (USE,))
        self.pinned = base.pinned.copy()
        self.cost_of = dict(cost_of or {})
        self.breached = dict(breached or {})
        self.staying = dict(staying or {})

    def set_target(self, fraction):
        """Let hosts be filled to FRACTION of their cores (a goal's use target)."""
        self.cap[-1] = np.floor(self.cores * MILLI * fraction).astype(np.int64)
        with np.errstate(divide="ignore"):
            self.inv_cap[-1] = np.where(self.cap[-1] > 0, 1.0 / np.maximum(self.cap[-1], 1), 0.0)

    def use(self, row):
        """ROW's expected use, as a fraction of its cores."""
        return float(self.used[-1, row]) / MILLI / max(float(self.cores[row]), 1e-9)

    def vm_use(self, vm):
        return float(vm.need[-1]) / MILLI

    def cost(self, vm):
        return float(self.cost_of.get(vm.id, 0.0))
