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
from service.errors import NoCapacity, VmfabricError
from service.usage import policy as policies
from service.usage.policy import cooling

log = logging.getLogger("vmfabric.autoscale")
ACTION = "autoscale"
DEFAULTS = {"up": 0.8, "down": 0.2, "hold": 60, "cooldown": 300}


def checked(data, vm):
    """The policy DATA asks for VM, with its defaults; ValidationError naming a bad field."""
    return policies.checked(data, DEFAULTS, ("min_cpu", "max_cpu"), 1024, "vCPUs", "its")


class VerticalScaler:
    def __init__(self, store, compute, interval):
        self.store, self.compute, self.interval = store, compute, interval

    def pass_once(self, now=None):
        """Every autoscaled VM looked at once; [(vmid, what was done)]."""
        now = now or clock.now()
        done = []
        vms = [vm for vm in self.store.vms.autoscaled() if vm.state == "running"]
        samples = policies.cpu_samples(self.store, [vm.autoscale for vm in vms], self.interval,
                                       now)
        for vm in vms:
            try:
                outcome = self._one(vm, vm.autoscale, samples.get(vm.id, []), now)
            except VmfabricError as exc:
                outcome = f"not resized: {exc}"
                self._event(vm, outcome, 409)
            if outcome:
                done.append((vm.id, outcome))
        return done

    def _one(self, vm, policy, samples, now):
        if cooling(policy, now):
            return None
        wanted = self._wanted(vm, policy, samples)
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

    def _wanted(self, vm, policy, samples):
        """(vCPUs it should have, why), or None when it should stay as it is, by its CPU
        SAMPLES."""
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
                                 target=f"vm {vm.id}", request_id="", status=status,
                                 outcome=outcome)
