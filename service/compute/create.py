"""Creating VMs: validate, claim, then on each host upload the base, make the disk, define, start.

Everything derived from the request (names, type, image, sizes) is checked
before anything is claimed. A batch (a cluster) is claimed all at once and
launched in parallel; a member whose host fails is retried on another host
(for ``spread``, never one a sibling holds), and if a member cannot be made
at all, the whole batch is undone: every member's domain, disk and console
are removed and every claim is released.
"""

import concurrent.futures
import dataclasses
import logging
import math
import secrets
import threading

from service import faults, templates
from service.errors import (Conflict, HypervisorError, NoCapacity, NotFound, ValidationError,
                            VmfabricError)
from service.hypervisor import Unreachable
from service.catalog import types as types_mod
from service.store.catalog import usable_by
from service.network import cidata, guestkeys
from service.placement.rules import spread_group_for
from service.placement.request import UsageRequest
from service.resources import GIB, Resources
from service.usage import demand

log = logging.getLogger("vmfabric.compute")
MAX_PARALLEL = 8


@dataclasses.dataclass(frozen=True)
class FirstBoot:
    """What a guest is given at first boot besides its address: the public keys that log in
    (the installation's own key when none are given) and the user's own cloud-config."""

    ssh_keys: tuple = ()
    user_data: str = ""


class Creator:
    def __init__(self, config, services, launcher):
        """SERVICES: what Compute is built on (compute/__init__.py)."""
        self.services = services
        self.store = services.store
        self.launcher = launcher
        self.max_attempts = int(config["placement"]["max_attempts"])
        self.headroom = config["compute"]["headroom"]
        self.default_keys = guestkeys.installation_key(config["ssh"]["private_key"])

    def request_for(self, tid, image_id=None, user_id=None):
        """(instance type, image, placement Request) for TID and IMAGE_ID (default: the first
        public image); with USER_ID, an image that user may use. Checked before any claim:
        the type is not retired, the image is active and the type meets its minimums."""
        itype = self.store.catalog.type(_id(tid, "instance_type"))
        types_mod.check_launchable(itype)
        if image_id is None:
            images = [i for i in self.store.catalog.images()
                      if i["public"] and i["state"] == "active"]
            if not images:
                raise NotFound("no images are registered")
            image = images[0]
        else:
            image = self._image_for(_id(image_id, "image_id"), user_id)
        for need, have, what in (("min_disk_gb", "disk_gb", "GB of disk"),
                                 ("min_ram_mb", "ram_mb", "MB of memory")):
            if itype[have] < image[need]:
                raise ValidationError(f"instance_type: image {image['id']} ({image['name']}) "
                                      f"needs at least {image[need]} {what}; type "
                                      f"{itype['tid']} has {itype[have]}", field="instance_type")
        disk_gb = max(itype["disk_gb"], math.ceil(image["virtual_size"] / GIB))
        return itype, image, Resources(itype["cpu"], itype["ram_mb"], disk_gb)

    def _image_for(self, image_id, user_id):
        image = self.store.catalog.image(image_id)
        # (the user's row is read only for another's private image: is it an admin asking?)
        if user_id is not None and not usable_by(image, user_id, False) \
                and not self.store.users.get(user_id).is_admin:
            raise NotFound(f"no image {image_id}")
        if image["state"] != "active":
            raise ValidationError(f"image_id: image {image_id} is {image['state']}, not active",
                                  field="image_id")
        return image

    def first_boot(self, ssh_keys=None, user_data=""):
        """A checked FirstBoot (ValidationError naming ssh_keys or user_data)."""
        keys = guestkeys.check_public_keys(ssh_keys) if ssh_keys is not None else self.default_keys
        cidata.check_user_data(user_data or "")
        return FirstBoot(tuple(keys), user_data or "")

    def create(self, name, tid, image_id=None, count=1, placement="pack", boot=None,
               user_id=None, expected_use=None, ha=None):
        """Create COUNT VMs (a batch when > 1: placed and made all together or not at all)."""
        return self.create_named(member_names(name, count), tid, image_id, placement, boot,
                                 user_id=user_id, expected_use=expected_use, ha=ha)

    def create_named(self, names, tid, image_id=None, placement="pack", boot=None,
                     cluster_id=None, user_id=None, expected_use=None, ha=None):
        """Create one VM per name of NAMES as one batch for USER_ID (within their quota); a
        spread cluster's new nodes keep clear of the hosts its other nodes hold. EXPECTED_USE:
        what each will use (a share of its vCPUs, or a profile), for usage-aware placement.
        HA: restarted elsewhere when its host fails, so made only where disks are shared
        (None: as its type says)."""
        for member in names:
            templates.check_vm_name(member, field="name")
        share = demand.declared_share(expected_use)
        itype, image, request = self.request_for(tid, image_id, user_id)
        request = UsageRequest.of(request, demand.estimate(request.cpu, None, share)[0])
        boot = boot or self.first_boot()
        keys = [guestkeys.new_host_key(f"vmfabric-guest {n}") for n in names]
        batch = secrets.token_hex(8)
        spread_group = spread_group_for(placement, cluster_id, batch, len(names))
        avoid = set(self.services.rules.group_hosts(spread_group))
        ha = itype["ha"] if ha is None else ha
        if ha is not False:
            avoid |= self._without_shared_storage(ha)
        rows = [{"name": n, "tid": itype["tid"], "image_id": image["id"], "cpu": request.cpu,
                 "ram_mb": request.ram_mb, "disk_gb": request.disk_gb,
                 "max_cpu": math.ceil(request.cpu * self.headroom["cpu"]),
                 "max_ram_mb": math.ceil(request.ram_mb * self.headroom["ram"]),
                 "ssh_keys": list(boot.ssh_keys), "user_data": boot.user_data,
                 "host_key": public, "cluster_id": cluster_id, "user_id": user_id,
                 "batch": batch, "spread_group": spread_group, "expected_use": share,
                 "ha": bool(ha)}
                for n, (_, public) in zip(names, keys)]
        faults.point("create.before_claim")
        try:
            s = self.services
            vmids = s.scheduler.claim(rows, [request] * len(names), placement=placement,
                                      exclude=avoid, owner=s.process.id,
                                      on_claim=s.allocator.claim,
                                      guard=lambda conn, claimed: self._guard(conn, claimed,
                                                                              image["id"]))
        except NoCapacity as exc:
            if avoid:
                raise NoCapacity(_spread_refusal(avoid, len(names), len(s.store.pms.list()),
                                                 exc)) from None
            raise
        faults.point("create.after_claim")
        keys_of = {vmid: private for vmid, (private, _) in zip(vmids, keys)}
        Batch(self, vmids, image, request, keys_of, spread=spread_group is not None).launch()
        return [self.store.vms.get(vmid) for vmid in vmids]

    def _without_shared_storage(self, ha):
        """The hosts an `ha` VM may not be made on: those keeping disks locally, which die
        with them (Conflict when no host shares its disks: the fleet, not the request, lacks
        it)."""
        if ha is not True:
            raise ValidationError(f"ha: true or false, not {ha!r}", field="ha")
        hosts = self.store.pms.list()
        local = {pm.id for pm in hosts if not self.services.shared.group_of(pm)}
        if len(local) == len(hosts):
            raise Conflict("ha: no host keeps its guests' disks on shared storage (the host "
                           "setting vmfabric_storage), so no VM can be restarted elsewhere "
                           "when its host fails")
        return local

    def _guard(self, conn, rows, image_id):
        """In the claim's transaction: the user's quota, and the image still active."""
        self.store.catalog.check_active(conn, image_id)
        self.services.quotas.guard(conn, rows)

    def cleanup(self, pm, vmid):
        self.launcher.cleanup(pm, vmid)


def _spread_refusal(held, count, hosts, exc):
    """Why a spread cluster's new nodes found no host: the rule itself when every host holds
    a node already (whatever room they have), else the room of the others."""
    which = f"pm {', '.join(map(str, sorted(held)))}"
    if len(held) >= hosts:
        return (f"spread: each of the {hosts} host(s) already holds a node of this cluster "
                f"({which}), and a spread cluster puts at most one node on a host (add hosts, or "
                "make the cluster with --pack)")
    return (f"spread: the cluster's other nodes hold {len(held)} host(s) ({which}), and the "
            f"{hosts - len(held)} other host(s) have no room for {count} more ({exc})")


class Batch:
    """The members of one create request, launched together; all succeed or all are undone."""

    def __init__(self, creator, vmids, image, request, secrets, spread):
        self.creator = creator
        self.store = creator.store
        self.vmids = vmids
        self.image = image
        self.request = request
        self.secrets = secrets
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
                self.creator.launcher.launch(vm, pm, self.image, self.secrets[vmid])
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
            if self.spread:  # the rule every later move keeps (service/placement/rules.py)
                exclude |= set(self.creator.services.rules.sibling_hosts(self.store.vms.get(vmid)))
            self.creator.services.scheduler.move(vmid, self.request, exclude=exclude,
                                        on_move=self.creator.services.allocator.move)

    def _undo(self, reason):
        for vmid in self.vmids:
            vm = self.store.vms.get(vmid)
            if vm.pmid is not None:
                self.creator.cleanup(self.store.pms.get(vm.pmid), vmid)
            self.store.vms.fail(vmid, reason)


def member_names(name, count, first=1):
    """The names COUNT VMs called NAME get (NAME-1 ... for a batch, NAME alone for one)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValidationError(f"count: must be a positive integer, not {count!r}", field="count")
    if count == 1 and first == 1:
        return [name]
    return [f"{name}-{n}" for n in range(first, first + count)]


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
