"""Rebalancing the running fleet: plans from the store, applied as a job, and host maintenance.

A plan is made from the store's numbers (service/rebalance/view.py) and shown
before anything moves. Applied, its migrations run one after another in one
job (each the same migration as `vm migrate`, so each claims its destination
first and leaves the fleet whole if it fails); the first failure stops the job,
which names it and the steps left. ``drain`` puts a host in maintenance (it
takes no new VMs) and empties it; ``enable`` takes it back; ``remove`` forgets
an empty host and rewrites the inventory; ``evacuate`` rebuilds a failed host's
VMs elsewhere (rebalance/evacuate.py).
"""

import logging

from service.errors import Conflict, VmfabricError
from service.rebalance import USAGE_GOALS, make_plan
from service.rebalance.evacuate import Evacuator
from service.rebalance.view import fleet_from_store
from service.usage.view import usage_fleet

log = logging.getLogger("vmfabric.rebalance")


class Rebalancer:
    def __init__(self, store, compute, jobs, fleet, rules, config):
        self.store = store
        self.compute = compute
        self.jobs = jobs
        self.fleet = fleet
        self.rules = rules
        self.usage = config["usage"]
        self.interval = config["telemetry"]["interval"]
        self._evacuator = Evacuator(store, compute, jobs)

    def plan(self, goal, options=None):
        """The plan for GOAL (a usage goal plans on what guests use, with the usage
        settings as its defaults)."""
        if goal in USAGE_GOALS:
            options = {"target": self.usage["target"], "fill": self.usage["fill"],
                       **(options or {})}
            return make_plan(usage_fleet(self.store, self.rules, self.usage, self.interval,
                                         settling=goal == "consolidate_by_use"), goal, options)
        return make_plan(fleet_from_store(self.store, self.rules), goal, options)

    def apply(self, plan, user_id=None, kind="rebalance"):
        """The job carrying out PLAN's moves in order; it stops at the first that fails."""
        steps = list(plan["moves"])

        def work(report):
            done = []
            for index, step in enumerate(steps):
                report({"phase": f"step {index + 1} of {len(steps)}: vm {step['vmid']} to pm "
                                 f"{step['to']}", "done": done, "remaining": steps[index:]})
                try:
                    result = self.compute.migrate_now(step["vmid"], step["to"])
                except VmfabricError as exc:
                    report({"phase": "stopped", "done": done, "failed": step,
                            "remaining": steps[index + 1:]})
                    raise VmfabricError(
                        f"step {index + 1} of {len(steps)} (vm {step['vmid']} from pm "
                        f"{step['from']} to pm {step['to']}) failed: {exc}; {len(done)} done, "
                        f"{len(steps) - index - 1} not started (see progress)") from None
                done.append({**step, "time_ms": result.get("time_ms"),
                             "downtime_ms": result.get("downtime_ms")})
            return {"goal": plan["goal"], "done": done, "after": plan["after"]}

        return self.jobs.run(kind, {"goal": plan["goal"], "moves": len(steps)}, work,
                             user_id=user_id, reports=True)

    def drain(self, pmid, user_id=None, dry_run=False):
        """(plan, job or None): PMID in maintenance and its VMs moved away (only the plan
        when DRY_RUN)."""
        pm = self.store.pms.get(pmid)
        plan = self.plan("drain", {"pmid": pm.id})
        if dry_run:
            return plan, None
        self.store.pms.set_maintenance(pm.id, True)
        log.info("%s is in maintenance; %d VM(s) to move away", pm.label, len(plan["moves"]))
        return plan, self.apply(plan, user_id, kind="drain")

    def enable(self, pmid):
        self.store.pms.set_maintenance(self.store.pms.get(pmid).id, False)
        return self.store.pms.get(pmid)

    def remove(self, pmid):
        """Forget empty host PMID (Conflict naming what it still holds) and rewrite the
        inventory."""
        pm = self.store.pms.get(pmid)
        if pm.vm_count:
            raise Conflict(f"{pm.label} still holds {pm.vm_count} VM(s); drain it first "
                           f"(vmfabric pm drain {pm.id})")
        self.store.pms.remove(pm.id)
        self.fleet.write_inventory()
        log.info("%s removed", pm.label)
        return pm

    def evacuate(self, pmid, rebuild, user_id=None):
        """The job rebuilding a failed host's VMs elsewhere (rebalance/evacuate.py)."""
        return self._evacuator.start(pmid, rebuild, user_id)

    def hosts_with_stale_copies(self):
        """The PMs that may still have old copies of VMs rebuilt elsewhere."""
        return self._evacuator.hosts_with_stale()

    def stale_copies(self, pmid):
        """The vmids rebuilt elsewhere whose old copies PMID may still have."""
        return self._evacuator.stale_on(pmid)

    def remember_stale(self, pmid, vmid):
        """VMID now runs elsewhere: its copy on PMID is stale once PMID answers again."""
        self._evacuator.remember(pmid, vmid)

    def forget_stale(self, pmid, vmids):
        self._evacuator.forget(pmid, vmids)
