"""The VM lifecycle: create (claim, upload base, overlay, define, start), destroy, power, console.

Every step that made something on a host is undone when a later step fails:
the domain, the overlay and the console log are removed, the claim moves to
the next candidate host, and after placement.max_attempts hosts the VM is
reported failed with the reason and its claim released.
"""

import logging
import math
import threading

from service import filters, templates
from service.errors import (Conflict, HypervisorError, NoCapacity, NotFound, ValidationError,
                            VmfabricError)
from service.placement.hosts import Request

log = logging.getLogger("vmfabric.compute")
GIB = 1024 ** 3
ALLOWED_FROM = {
    "start": {"shutoff", "crashed"},
    "shutdown": {"running"},
    "stop": {"running", "paused"},
    "reboot": {"running"},
    "pause": {"running"},
    "resume": {"paused"},
}
AFTER = {"start": "running", "shutdown": None, "stop": "shutoff", "reboot": "running",
         "pause": "paused", "resume": "running"}
names = filters.module("vmfabric_names")


class Compute:
    def __init__(self, config, store, scheduler, hypervisors):
        self.config = config
        self.store = store
        self.scheduler = scheduler
        self.hv = hypervisors
        self.max_attempts = int(config["placement"]["max_attempts"])
        self._upload_locks = {}
        self._locks_guard = threading.Lock()
        self._pool_paths = {}

    # ---- create ------------------------------------------------------------
    def request_for(self, tid, image_id=None):
        """(instance type, image, placement Request) for TID and IMAGE_ID (default: first image)."""
        try:
            itype = self.store.catalog.type(int(tid))
        except (TypeError, ValueError):
            raise ValidationError(f"instance_type: {tid!r} is not a type id", field="instance_type")
        if image_id is None:
            images = self.store.catalog.images()
            if not images:
                raise NotFound("no images are registered")
            image = images[0]
        else:
            image = self.store.catalog.image(int(image_id))
        disk_gb = max(itype["disk_gb"], math.ceil(image["virtual_size"] / GIB))
        return itype, image, Request(itype["cpu"], itype["ram_mb"], disk_gb)

    def create(self, name, tid, image_id=None, count=1, preference="pack"):
        """Create COUNT VMs (a cluster when > 1: placed all together or not at all)."""
        templates.check_vm_name(name)
        itype, image, request = self.request_for(tid, image_id)
        vm_names = [name] if count == 1 else [f"{name}-{n}" for n in range(1, count + 1)]
        rows = [{"name": n, "tid": itype["tid"], "image_id": image["id"], "cpu": request.cpu,
                 "ram_mb": request.ram_mb, "disk_gb": request.disk_gb} for n in vm_names]
        vmids = self.scheduler.claim(rows, [request] * count, preference=preference)
        return [self._launch_with_retries(vmid, itype, image, request) for vmid in vmids]

    def _launch_with_retries(self, vmid, itype, image, request):
        tried, reasons = set(), []
        while True:
            vm = self.store.vms.get(vmid)
            pm = self.store.pms.get(vm["pmid"])
            try:
                self._launch(vm, pm, image)
                self.store.vms.set_state(vmid, "running")
                return self.store.vms.get(vmid)
            except VmfabricError as exc:
                log.warning("vm %s: create on pm %s failed: %s", vmid, pm["id"], exc)
                reasons.append(f"pm {pm['id']}: {exc}")
                self.cleanup(pm, vmid)
                if "cannot connect" in str(exc):
                    self.store.pms.set_state(pm["id"], "down", str(exc))
                tried.add(pm["id"])
            if len(tried) >= self.max_attempts or not self._move(vmid, request, tried):
                self.store.vms.fail(vmid, "; ".join(reasons))
                raise HypervisorError(f"vm {vmid} failed on {len(tried)} host(s): "
                                      + "; ".join(reasons))

    def _move(self, vmid, request, tried):
        try:
            self.scheduler.move(vmid, request, exclude=tried)
            return True
        except NoCapacity:
            return False

    def _launch(self, vm, pm, image):
        base_path = self._base_image(pm, image)
        overlay = names.vmfabric_volume_name(vm["id"])
        capacity = max(vm["disk_gb"] * GIB, image["virtual_size"])
        self.hv.create_overlay(pm, overlay, base_path, image["format"], capacity)
        xml = templates.render_domain(
            vmid=vm["id"], name=vm["name"], tid=vm["tid"], image_id=image["id"], cpu=vm["cpu"],
            ram_mb=vm["ram_mb"], domain_type=pm["domain_type"], pool=self.hv.pool_name,
            console_log=f"{self._pool_path(pm)}/{names.vmfabric_console_name(vm['id'])}")
        self.hv.define_and_start(pm, xml)

    def _pool_path(self, pm):
        if pm["id"] not in self._pool_paths:
            self._pool_paths[pm["id"]] = self.hv.pool_path(pm)
        return self._pool_paths[pm["id"]]

    def _base_image(self, pm, image):
        """Path of IMAGE's copy on PM, uploading it the first time (once per host)."""
        name = names.vmfabric_base_volume_name(image["id"], image["sha256"])
        with self._lock_for(pm["id"], image["id"]):
            try:
                return self.hv.volume_path(pm, name)
            except NotFound:
                pass
            log.info("pm %s: uploading image %s (%s bytes)", pm["id"], image["name"], image["size"])
            path = self.hv.upload(pm, name, image["path"], image["format"], image["size"],
                                  image["sha256"])
            self.store.catalog.record_host_image(pm["id"], image["id"], name, image["sha256"])
            return path

    def _lock_for(self, pmid, image_id):
        with self._locks_guard:
            return self._upload_locks.setdefault((pmid, image_id), threading.Lock())

    def cleanup(self, pm, vmid):
        """Remove whatever a create made on PM; errors here are logged, not raised."""
        for what, call in (("domain", lambda: self.hv.remove_domain(pm, names.vmfabric_domain_name(vmid))),
                           ("overlay", lambda: self.hv.delete_volume(pm, names.vmfabric_volume_name(vmid))),
                           ("console log", lambda: self.hv.delete_volume(pm, names.vmfabric_console_name(vmid)))):
            try:
                call()
            except VmfabricError as exc:
                log.warning("vm %s: could not remove its %s on pm %s: %s", vmid, what, pm["id"], exc)

    # ---- destroy, power, console --------------------------------------------
    def destroy(self, vmid):
        """Stop, undefine, delete the disk and console, release the claim. Idempotent on the host."""
        vm = self.store.vms.get(vmid)
        if vm["pmid"] is not None:
            pm = self.store.pms.get(vm["pmid"])
            self.hv.remove_domain(pm, names.vmfabric_domain_name(vmid))
            self.hv.delete_volume(pm, names.vmfabric_volume_name(vmid))
            self.hv.delete_volume(pm, names.vmfabric_console_name(vmid))
        self.store.vms.delete(vmid)

    def state(self, vm):
        """The VM's state as its hypervisor sees it (store state when it cannot be asked)."""
        if vm["pmid"] is None or vm["state"] in ("creating", "failed"):
            return vm["state"]
        pm = self.store.pms.get(vm["pmid"])
        try:
            return self.hv.domain_state(pm, names.vmfabric_domain_name(vm["id"]))
        except NotFound:
            return "missing"
        except HypervisorError:
            return "unknown"

    def power(self, vmid, action):
        if action not in ALLOWED_FROM:
            raise ValidationError(f"action: one of {', '.join(ALLOWED_FROM)}", field="action")
        vm = self.store.vms.get(vmid)
        current = self.state(vm)
        if current not in ALLOWED_FROM[action]:
            raise Conflict(f"vm {vmid} is {current}; {action} needs it "
                           f"{' or '.join(sorted(ALLOWED_FROM[action]))}")
        pm = self.store.pms.get(vm["pmid"])
        self.hv.power(pm, names.vmfabric_domain_name(vmid), action)
        new_state = self.state(self.store.vms.get(vmid))
        if new_state in ("running", "shutoff", "paused"):
            self.store.vms.set_state(vmid, new_state)
        return dict(self.store.vms.get(vmid), state=new_state)

    def console(self, vmid, lines=50):
        vm = self.store.vms.get(vmid)
        if vm["pmid"] is None:
            raise Conflict(f"vm {vmid} is {vm['state']} and has no console")
        pm = self.store.pms.get(vm["pmid"])
        try:
            data = self.hv.read_tail(pm, names.vmfabric_console_name(vmid), max(4096, lines * 512))
        except NotFound:
            return []
        return data.decode("utf-8", "replace").replace("\r", "").splitlines()[-lines:]
