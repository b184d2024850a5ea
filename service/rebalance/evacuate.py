"""Evacuating a failed host: its VMs rebuilt on other hosts from their images.

Hosts share no storage, so a dead host's disks are gone with it: vmfabric never
pretends to move them. An evacuation (asked for explicitly, with ``rebuild``)
recreates each VM elsewhere from its image, keeping its vmid, name and address
(the new host is of its kind: the same domain type and guest network) and
giving it a new SSH host key, since the old one's private half was the dead
host's. Its disk starts afresh; volumes attached to it were on the dead host
and become ``missing``. Each VM is claimed on its new host (owned by this
process, so the sync takes it over if this process dies) before it is made.
When the dead host answers again, the sync removes the stale copies there.
"""

import json
import logging

from service.errors import Conflict, NoCapacity, ValidationError, VmfabricError
from service.network import guestkeys
from service.resources import Resources
from service.store.records import TRANSITIONAL

log = logging.getLogger("vmfabric.rebalance")
EVACUATED = "evacuated."  # kv: pmid -> the vmids rebuilt elsewhere, whose copies it may still have


class Evacuator:
    def __init__(self, store, compute, jobs, process, fits):
        """FITS(vm, source) -> a test of whether a host can take VM (compute/migrate.py)."""
        self.store = store
        self.compute = compute
        self.jobs = jobs
        self.process = process
        self.fits = fits

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
        self.compute.access.refresh()  # the guests' known_hosts: their new keys
        return {"pmid": pm.id, "rebuilt": rebuilt, "lost": lost}

    def _rebuild(self, pm, vm):
        if vm.state in TRANSITIONAL:
            raise Conflict(f"vm {vm.id} is {vm.state}; left to the sync")
        image = self.store.catalog.image(vm.image_id)
        private, public = guestkeys.new_host_key(f"vmfabric-guest {vm.name}")
        fits = self.fits(vm, pm)
        others = {p.id for p in self.store.pms.list() if p.id == pm.id or not fits(p)}
        try:
            target = self.compute.creator.scheduler.move(
                vm.id, Resources(vm.cpu, vm.ram_mb, vm.disk_gb), others,
                also={"owner": self.process.id, "host_key": public})
        except NoCapacity as exc:
            raise NoCapacity(f"no host of its kind has room for it ({exc})") from None
        for volume in self.store.volumes.attached_to(vm.id):
            self.store.volumes.settle(volume.id, "missing",
                                      error=f"its disk was on {pm.label}, which failed; vm "
                                            f"{vm.id} was rebuilt without it")
        self._remember(pm.id, vm.id)
        target_pm = self.store.pms.get(target)
        try:
            self.compute.launcher.launch(self.store.vms.get(vm.id), target_pm, image, private)
        except VmfabricError as exc:
            self.compute.cleanup(target_pm, vm.id)
            self.store.vms.fail(vm.id, f"rebuilt after {pm.label} failed, but: {exc}")
            raise
        self.store.vms.set_state(vm.id, "running")
        log.info("evacuate %s: vm %s rebuilt on %s", pm.label, vm.id, target_pm.label)
        return target

    def _remember(self, pmid, vmid):
        key = f"{EVACUATED}{pmid}"
        with self.store.write() as conn:
            held = set(json.loads(self.store.get_kv(key, "[]", conn=conn)))
            self.store.set_kv(key, json.dumps(sorted(held | {vmid})), conn=conn)

    def stale_on(self, pmid):
        """The vmids whose old copies PMID may still have (it answers again)."""
        return set(json.loads(self.store.get_kv(f"{EVACUATED}{pmid}", "[]")))

    def forget(self, pmid, vmids):
        key = f"{EVACUATED}{pmid}"
        with self.store.write() as conn:
            left = set(json.loads(self.store.get_kv(key, "[]", conn=conn))) - set(vmids)
            self.store.set_kv(key, json.dumps(sorted(left)), conn=conn)

