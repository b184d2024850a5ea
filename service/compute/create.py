"""Creating VMs: validate, claim, then on each host upload the base, make the disk, define, start.

Everything derived from the request (names, type, image, sizes) is checked
before anything is claimed. A batch (a cluster) is claimed all at once and
launched in parallel; a member whose host fails is retried on another host
(for ``spread``, never one a sibling holds), and if a member cannot be made
at all, the whole batch is undone: every member's domain, disk and console
are removed and every claim is released.
"""

import concurrent.futures
import logging
import math
import threading

from service import faults, naming, templates
from service.errors import HypervisorError, NoCapacity, NotFound, ValidationError, VmfabricError
from service.hypervisor import Unreachable
from service.placement.hosts import Request

log = logging.getLogger("vmfabric.compute")
GIB = 1024 ** 3
MAX_PARALLEL = 8


class Creator:
    def __init__(self, config, store, scheduler, hypervisors, process):
        self.store = store
        self.scheduler = scheduler
        self.hv = hypervisors
        self.process = process
        self.max_attempts = int(config["placement"]["max_attempts"])
        self._upload_locks = {}
        self._locks_guard = threading.Lock()
        self._pool_paths = {}

    def request_for(self, tid, image_id=None):
        """(instance type, image, placement Request) for TID and IMAGE_ID (default: the first image)."""
        itype = self.store.catalog.type(_id(tid, "instance_type"))
        if image_id is None:
            images = self.store.catalog.images()
            if not images:
                raise NotFound("no images are registered")
            image = images[0]
        else:
            image = self.store.catalog.image(_id(image_id, "image_id"))
        disk_gb = max(itype["disk_gb"], math.ceil(image["virtual_size"] / GIB))
        return itype, image, Request(itype["cpu"], itype["ram_mb"], disk_gb)

    def create(self, name, tid, image_id=None, count=1, preference="pack"):
        """Create COUNT VMs (a cluster when > 1: placed and made all together or not at all)."""
        vm_names = member_names(name, count)
        itype, image, request = self.request_for(tid, image_id)
        rows = [{"name": n, "tid": itype["tid"], "image_id": image["id"], "cpu": request.cpu,
                 "ram_mb": request.ram_mb, "disk_gb": request.disk_gb} for n in vm_names]
        faults.point("create.before_claim")
        vmids = self.scheduler.claim(rows, [request] * count, preference=preference,
                                     owner=self.process.id)
        faults.point("create.after_claim")
        Batch(self, vmids, image, request, spread=preference == "spread").launch()
        return [self.store.vms.get(vmid) for vmid in vmids]

    # ---- one VM on one host --------------------------------------------------
    def launch(self, vm, pm, image):
        """Make VM on PM: the base image (once per host), its disk, its domain, started."""
        base = naming.base_image(image["id"], image["sha256"])
        capacity = max(vm.disk_gb * GIB, image["virtual_size"])
        try:
            self.hv.storage.create_overlay_on(pm, naming.disk(vm.id), base, image["format"],
                                              capacity)
        except NotFound:  # the first VM of this image on this host
            self._upload_base(pm, image, base)
            self.hv.storage.create_overlay_on(pm, naming.disk(vm.id), base, image["format"],
                                              capacity)
        faults.point("create.after_disk")
        xml = templates.render_domain(
            vmid=vm.id, name=vm.name, tid=vm.tid, image_id=image["id"], cpu=vm.cpu,
            ram_mb=vm.ram_mb, domain_type=pm.domain_type, pool=self.hv.storage.pool_name,
            console_log=f"{self._pool_path(pm)}/{naming.console(vm.id)}")
        self.hv.domains.define_and_start(pm, xml)
        faults.point("create.after_start")

    def _pool_path(self, pm):
        if pm.id not in self._pool_paths:
            self._pool_paths[pm.id] = self.hv.storage.pool_path_on(pm)
        return self._pool_paths[pm.id]

    def _upload_base(self, pm, image, name):
        """Copy IMAGE to PM as volume NAME, once per host however many creates ask at once."""
        with self._lock_for(pm.id, image["id"]):
            try:
                return self.hv.storage.volume_path(pm, name)  # another create just did
            except NotFound:
                pass
            log.info("%s: uploading image %s (%s bytes)", pm.label, image["name"], image["size"])
            path = self.hv.storage.upload(pm, name, image["path"], image["format"], image["size"],
                                          image["sha256"])
            self.store.catalog.record_host_image(pm.id, image["id"], name, image["sha256"])
            return path

    def _lock_for(self, pmid, image_id):
        with self._locks_guard:
            return self._upload_locks.setdefault((pmid, image_id), threading.Lock())

    def cleanup(self, pm, vmid):
        """Remove whatever a create made on PM; errors here are logged, not raised."""
        for what, call in (("domain", lambda: self.hv.domains.remove(pm, naming.domain(vmid))),
                           ("disk and console log", lambda: self.hv.storage.delete_volumes(
                               pm, [naming.disk(vmid), naming.console(vmid)]))):
            try:
                call()
            except VmfabricError as exc:
                log.warning("vm %s: could not remove its %s: %s", vmid, what, exc)


class Batch:
    """The members of one create request, launched together; all succeed or all are undone."""

    def __init__(self, creator, vmids, image, request, spread):
        self.creator = creator
        self.store = creator.store
        self.vmids = vmids
        self.image = image
        self.request = request
        self.spread = spread
        self._moving = threading.Lock()

    def launch(self):
        workers = min(len(self.vmids), MAX_PARALLEL)
        if workers == 1:
            failures = [self._member(self.vmids[0])]
        else:
            with concurrent.futures.ThreadPoolExecutor(workers, "vmfabric-create") as pool:
                failures = list(pool.map(self._member, self.vmids))
        failures = [f for f in failures if f]
        if failures:
            self._undo("; ".join(failures))
            raise HypervisorError(failures[0] if len(self.vmids) == 1 else
                                  f"the {len(self.vmids)} VMs were not made (all or nothing): "
                                  + "; ".join(failures))

    def _member(self, vmid):
        """Launch VMID, moving it to other hosts on failure; the reason it failed, or None."""
        tried, reasons = set(), []
        while True:
            vm = self.store.vms.get(vmid)
            pm = self.store.pms.get(vm.pmid)
            try:
                self.creator.launch(vm, pm, self.image)
                self.store.vms.set_state(vmid, "running")
                return None
            except VmfabricError as exc:
                log.warning("vm %s: create on %s failed: %s", vmid, pm.label, exc)
                reasons.append(str(exc))
                self.creator.cleanup(pm, vmid)
                if isinstance(exc, Unreachable):
                    self.store.pms.set_state(pm.id, "down", str(exc))
                tried.add(pm.id)
            if len(tried) >= self.creator.max_attempts:
                return f"vm {vmid} failed on {len(tried)} host(s): " + "; ".join(reasons)
            try:
                self._move(vmid, tried)
            except NoCapacity as exc:
                return (f"vm {vmid} failed on {len(tried)} host(s) and no other host can take "
                        f"it ({exc}): " + "; ".join(reasons))

    def _move(self, vmid, tried):
        with self._moving:
            exclude = set(tried)
            if self.spread:
                exclude |= {self.store.vms.get(other).pmid for other in self.vmids if other != vmid}
            self.creator.scheduler.move(vmid, self.request, exclude=exclude)

    def _undo(self, reason):
        for vmid in self.vmids:
            vm = self.store.vms.get(vmid)
            if vm.pmid is not None:
                self.creator.cleanup(self.store.pms.get(vm.pmid), vmid)
            self.store.vms.fail(vmid, reason)


def member_names(name, count):
    """The names COUNT VMs called NAME get (NAME-1 ... for a batch), each checked."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValidationError(f"count: must be a positive integer, not {count!r}", field="count")
    names = [name] if count == 1 else [f"{name}-{n}" for n in range(1, count + 1)]
    for member in names:
        templates.check_vm_name(member, field="name")
    return names


def _id(value, field):
    if isinstance(value, bool):
        raise ValidationError(f"{field}: {value!r} is not an id", field=field)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: {value!r} is not an id", field=field) from None
    if not 1 <= number <= 2 ** 31 - 1:
        raise ValidationError(f"{field}: {value!r} is not an id", field=field)
    return number
