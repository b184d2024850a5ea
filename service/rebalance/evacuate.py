"""Evacuating a failed host: its VMs rebuilt on other hosts from their images, as a job.

Hosts share no storage, so a dead host's disks are gone with it: vmfabric never
pretends to move them. An evacuation (asked for explicitly, with ``rebuild``)
recreates each VM elsewhere (compute/rebuild.py); volumes attached to it were on
the dead host and become ``missing``. The VMs rebuilt are remembered per host:
when the dead host answers again, the sync removes the stale copies there.
"""

import dataclasses
import json
import logging

from service.errors import Conflict, ValidationError, VmfabricError

log = logging.getLogger("vmfabric.rebalance")
EVACUATED = "evacuated."  # kv: pmid -> the vmids rebuilt elsewhere, whose copies it may still have


@dataclasses.dataclass
class Evacuator:
    store: object
    compute: object
    jobs: object

    def start(self, pmid, rebuild, user_id=None):
        """The job rebuilding PMID's VMs elsewhere; PMID must be down, REBUILD true."""
        if rebuild is not True:
            raise ValidationError("rebuild: must be true: without shared storage a failed "
                                  "host's disks cannot be moved, only its VMs rebuilt from "
                                  "their images (their disk contents are lost)", field="rebuild")
        pm = self.store.pms.get(pmid)
        if pm.state != "down":
            raise Conflict(f"{pm.label} is {pm.state}; evacuate a host that is down "
                           f"(drain one that is up: vmfabric pm drain {pm.id})")
        vms = [vm for vm in self.store.vms.list(pmid=pm.id) if vm.state != "failed"]
        return self.jobs.run("evacuate", {"pmid": pm.id, "vmids": [vm.id for vm in vms]},
                             lambda report: self._run(pm, vms, report), user_id=user_id,
                             reports=True)

    def _run(self, pm, vms, report):
        rebuilt, lost = [], []
        for index, vm in enumerate(vms):
            report({"phase": f"vm {vm.id}: {index + 1} of {len(vms)}", "rebuilt": rebuilt,
                    "lost": lost})
            try:
                rebuilt.append({"vmid": vm.id, "pmid": self._rebuild(pm, vm)})
            except VmfabricError as exc:
                log.warning("evacuate %s: vm %s: %s", pm.label, vm.id, exc)
                lost.append({"vmid": vm.id, "error": str(exc)})
        return {"pmid": pm.id, "rebuilt": rebuilt, "lost": lost}

    def _rebuild(self, pm, vm):
        def claimed(_target):
            for volume in self.store.volumes.attached_to(vm.id):
                self.store.volumes.settle(volume.id, "missing",
                                          error=f"its disk was on {pm.label}, which failed; vm "
                                                f"{vm.id} was rebuilt without it")
            self.remember(pm.id, vm.id)
        return self.compute.rebuild(vm, pm, claimed)

    def remember(self, pmid, vmid):
        key = f"{EVACUATED}{pmid}"
        with self.store.write() as conn:
            held = set(json.loads(self.store.get_kv(key, "[]", conn=conn)))
            self.store.set_kv(key, json.dumps(sorted(held | {vmid})), conn=conn)

    def hosts_with_stale(self):
        """The PMs that may still hold stale copies (one read for a whole sync pass)."""
        return {int(key[len(EVACUATED):]) for key, held in self.store.kv_items(EVACUATED).items()
                if json.loads(held)}

    def stale_on(self, pmid):
        """The vmids whose old copies PMID may still have (it answers again)."""
        return set(json.loads(self.store.get_kv(f"{EVACUATED}{pmid}", "[]")))

    def forget(self, pmid, vmids):
        key = f"{EVACUATED}{pmid}"
        with self.store.write() as conn:
            left = set(json.loads(self.store.get_kv(key, "[]", conn=conn))) - set(vmids)
            self.store.set_kv(key, json.dumps(sorted(left)), conn=conn)

