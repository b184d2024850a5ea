"""Vertical autoscaling: a VM given more vCPUs while it stays busy, and fewer once it idles.

A VM's policy (``PUT /api/v1/vms/{id}/autoscale``): ``min_cpu`` and ``max_cpu``, ``up`` and
``down`` (shares of its vCPUs), ``hold`` (seconds its CPU must stay over ``up`` before it
grows) and ``cooldown`` (seconds after any change before the next, and that its CPU
must stay under ``down`` before it shrinks). One vCPU at a time. Growth within the
headroom its domain was defined with is live (a hot-plug, compute/resize.py); beyond it,
the resize waits for the VM's next start, as a resize does. When its host has no room
for one more vCPU, the VM is migrated to a host that has (a live migration, its rules
kept), then grown; when no host has, the request is recorded as unmet with the reason.
Every change, and every unmet request, is an event (``autoscale``).
"""

import logging
import math

from service import clock
from service.errors import NoCapacity, ValidationError, VmfabricError
from service.telemetry import history

log = logging.getLogger("vmfabric.autoscale")
ACTION = "autoscale"
DEFAULTS = {"up": 0.8, "down": 0.2, "hold": 60, "cooldown": 300}
CPU = 0


def checked(data, vm):
    """The policy DATA asks for VM, with its defaults; ValidationError naming a bad field."""
    policy = dict(DEFAULTS, **data)
    for key in ("min_cpu", "max_cpu"):
        value = policy.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1024:
            raise ValidationError(f"{key}: a number of vCPUs from 1 to 1024, not {value!r}",
                                  field=key)
    if policy["min_cpu"] > policy["max_cpu"]:
        raise ValidationError(f"min_cpu: {policy['min_cpu']} is above max_cpu "
                              f"{policy['max_cpu']}", field="min_cpu")
    for key in ("up", "down"):
        value = policy[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise ValidationError(f"{key}: a share of its vCPUs between 0 and 1, not {value!r}",
                                  field=key)
    if policy["down"] >= policy["up"]:
        raise ValidationError(f"down: {policy['down']} must be below up {policy['up']}",
                              field="down")
    for key in ("hold", "cooldown"):
        value = policy[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not 1 <= value <= 86400:
            raise ValidationError(f"{key}: seconds from 1 to 86400, not {value!r}", field=key)
    unknown = sorted(set(policy) - set(DEFAULTS) - {"min_cpu", "max_cpu", "changed_at"})
    if unknown:
        raise ValidationError(f"{unknown[0]}: not a setting of a policy", field=unknown[0])
    policy.setdefault("changed_at", None)
    return policy


class VerticalScaler:
    def __init__(self, store, compute, interval):
        self.store, self.compute, self.interval = store, compute, interval

    def pass_once(self, now=None):
        """Every autoscaled VM looked at once; [(vmid, what was done)]."""
        now = now or clock.now()
        done = []
        for vm in self.store.vms.autoscaled():
            if vm.state != "running":
                continue
            try:
                outcome = self._one(vm, vm.autoscale, now)
            except VmfabricError as exc:
                outcome = f"not resized: {exc}"
                self._event(vm, outcome, 409)
            if outcome:
                done.append((vm.id, outcome))
        return done

    def _one(self, vm, policy, now):
        if policy.get("changed_at") and now - policy["changed_at"] < policy["cooldown"]:
            return None
        wanted = self._wanted(vm, policy, now)
        if wanted is None:
            return None
        cpu, why = wanted
        try:
            self.compute.resize(vm.id, cpu=cpu, unplug=True)
        except NoCapacity as exc:
            if cpu < vm.cpu:
                raise
            if not self._make_room(vm, cpu):
                self.store.vms.set_autoscale(vm.id, dict(policy, changed_at=now))
                outcome = f"unmet: {why}, but no host has room for {cpu} vCPUs ({exc})"
                self._event(vm, outcome, 409)
                return outcome
            self.compute.resize(vm.id, cpu=cpu)
        self.store.vms.set_autoscale(vm.id, dict(policy, changed_at=now))
        resized = self.store.vms.get(vm.id)
        outcome = f"{vm.cpu} -> {cpu} vCPUs: {why}" + (
            " (at its next start: its vCPUs could not be unplugged live)"
            if resized.pending.get("cpu") == cpu else "")
        self._event(vm, outcome)
        log.info("vm %s: %s", vm.id, outcome)
        return outcome

    def _wanted(self, vm, policy, now):
        """(vCPUs it should have, why), or None when it should stay as it is."""
        samples = [history.unpack(data)[CPU] for at, data in self.store.samples.recent(
            "v", now - max(policy["hold"], policy["cooldown"]) - self.interval).get(vm.id, ())]
        recent = [s for s in samples if not math.isnan(s)]
        grow = math.ceil(policy["hold"] / self.interval)
        shrink = math.ceil(policy["cooldown"] / self.interval)
        if vm.cpu < policy["max_cpu"] and len(recent) >= grow and \
                min(recent[-grow:]) > policy["up"] * 100:
            return vm.cpu + 1, (f"CPU over {policy['up']:.0%} of its vCPUs for "
                                f"{policy['hold']:g} s")
        if vm.cpu > policy["min_cpu"] and len(recent) >= shrink and \
                max(recent[-shrink:]) < policy["down"] * 100:
            return vm.cpu - 1, (f"CPU under {policy['down']:.0%} of its vCPUs for "
                                f"{policy['cooldown']:g} s")
        if vm.cpu < policy["min_cpu"]:
            return policy["min_cpu"], f"below its policy's min_cpu {policy['min_cpu']}"
        return None

    def _make_room(self, vm, cpu):
        """Move VM to a host with room for CPU vCPUs; whether it moved."""
        for pm in self.store.pms.list():
            if pm.id != vm.pmid and pm.takes_vms and pm.cpu - pm.used_cpu >= cpu and \
                    pm.ram_mb - pm.used_ram_mb >= vm.ram_mb and \
                    pm.disk_gb - pm.used_disk_gb >= vm.disk_gb:
                try:
                    self.compute.migrate_now(vm.id, pm.id)
                    self._event(vm, f"moved to pm {pm.id} to make room for {cpu} vCPUs")
                    return True
                except VmfabricError as exc:
                    log.info("vm %s: no room made on pm %s: %s", vm.id, pm.id, exc)
        return False

    def _event(self, vm, outcome, status=200):
        self.store.events.record(user_id=vm.user_id, username="vmfabric", action=ACTION,
                                 target=f"/api/v1/vms/{vm.id}", request_id="", status=status,
                                 outcome=outcome)
