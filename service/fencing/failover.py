"""High availability: a failed host's `ha` VMs restarted on other hosts, only after a fence.

The sync calls ``consider`` for every host that is down. Once a host holding `ha` VMs has
been down for ``ha.grace`` seconds, a ``failover`` job (one per host at a time):

1. fences it: power off through its BMC, confirmed by reading the power back off
   (fencing/hosts.py). A host that cannot be fenced (no BMC, a BMC that does not answer or
   refuses) keeps its VMs where they are, and is reported: the job fails naming why, an
   event says so, and the host shows ``fence: unfenceable``. Two copies of a VM writing one
   disk would lose its data; a VM that waits for its host loses nothing. The fence is tried
   again each ``ha.grace`` while the host stays down;
2. restarts each `ha` VM on another host of its storage group from its shared disks, its old
   host's access to them cut first (compute/restart.py), with an event for each (one that
   finds no room is tried again, fence and all, each ``ha.grace``);
3. remembers the VMs on the old host, so when it answers again the sync removes their stale
   definitions there (sync/evacuated.py): it never starts them.
"""

import dataclasses
import logging

from service import clock
from service.errors import HypervisorError, VmfabricError

log = logging.getLogger("vmfabric.ha")
JOB = "failover"
EVENT = "vm.failover"


@dataclasses.dataclass
class Failover:
    config: dict
    store: object
    compute: object
    jobs: object
    fencer: object
    rebalancer: object

    def due(self, pm, now=None):
        """PM's `ha` VMs to restart elsewhere, when PM has been down past the grace and no
        failover of it fenced it (or found it unfenceable) within the last grace; else [].
        (A failover that fenced it but found no room for a VM is retried each grace.)"""
        grace = self.config["ha"]["grace"]
        now = clock.now() if now is None else now
        if pm.state != "down" or not pm.down_since or now - pm.down_since < grace:
            return []
        fence = pm.fence or {}
        if fence.get("state") and fence.get("at", 0) >= max(
                pm.down_since, now - grace):
            return []
        return [vm for vm in self.store.vms.list(pmid=pm.id)
                if vm.ha and vm.storage and vm.state not in ("failed", "deleting", "creating", "migrating")]

    def consider(self, pm):
        """Start PM's failover job when it is due (the open one when it runs already)."""
        vms = self.due(pm)
        if not vms:
            return None
        return self.jobs.run(JOB, {"pmid": pm.id, "vmids": [vm.id for vm in vms]},
                             lambda report: self._run(pm.id, report),
                             covered_by=lambda params: params.get("pmid") == pm.id,
                             reports=True)

    def _run(self, pmid, report):
        pm = self.store.pms.get(pmid)
        vms = self.due(pm)
        report({"phase": f"fencing {pm.label}", "restarted": [], "lost": []})
        fenced = self.fencer.fence(pm.id)
        if fenced.fence["state"] != "fenced":
            why = (f"{pm.label} could not be fenced ({fenced.fence['detail']}): its VMs "
                   f"{', '.join(str(vm.id) for vm in vms)} stay where they are, since they may "
                   f"still run there")
            log.error("failover: %s", why)
            for vm in vms:
                self._event(vm, why, status=409)
            raise HypervisorError(why)
        restarted, lost = [], []
        for index, vm in enumerate(vms):
            report({"phase": f"vm {vm.id}: {index + 1} of {len(vms)}", "restarted": restarted,
                    "lost": lost})
            try:
                target = self.compute.restart(
                    self.store.vms.get(vm.id), fenced,
                    claimed=lambda _target, vmid=vm.id: self.rebalancer.remember_stale(pm.id, vmid))
            except VmfabricError as exc:
                log.warning("failover %s: vm %s: %s", pm.label, vm.id, exc)
                lost.append({"vmid": vm.id, "error": str(exc)})
                self._event(vm, f"not restarted after {pm.label} failed: {exc}", status=500)
                continue
            restarted.append({"vmid": vm.id, "pmid": target})
            self._event(vm, f"restarted on pm {target} after {pm.label} failed and was fenced")
        return {"pmid": pm.id, "fenced": fenced.fence, "restarted": restarted, "lost": lost}

    def _event(self, vm, outcome, status=200):
        self.store.events.record(user_id=vm.user_id, username="vmfabric", action=EVENT,
                                 target=f"vm {vm.id}", request_id="", status=status,
                                 outcome=outcome)
