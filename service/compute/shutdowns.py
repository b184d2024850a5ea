"""Shutdowns that take too long: reported, or forced when asked to be.

``shutdown`` presses the guest's ACPI power button and returns; the guest
powers off when it is ready, or never (no ACPI handling, a hung service). The
VM keeps the request ({action, at, deadline, force}) until its domain is no
longer running. The sync looks at every such VM on each tick: past its
deadline (compute.shutdown_timeout) a forced one is stopped, and any other is
reported once, in the VM's answer (``overdue``) and as an event, so a shutdown
never fails silently. Any other power action replaces the request.
"""

import logging

from service import clock
from service import naming
from service.errors import NotFound, VmfabricError

log = logging.getLogger("vmfabric.compute")
EVENT = "sync.shutdown"


class Shutdowns:
    def __init__(self, store, hypervisors, timeout):
        self.store = store
        self.hv = hypervisors
        self.timeout = timeout

    def asked(self, vmid, force):
        now = clock.now()
        self.store.vms.set_power_request(vmid, {"action": "shutdown", "at": now,
                                                "deadline": now + self.timeout,
                                                "force": bool(force), "overdue": False})

    def check(self, now=None):
        """Settle every pending shutdown: done, forced or reported; the vmids acted on."""
        now = now or clock.now()
        acted = []
        for vm in self.store.vms.with_power_request():
            try:
                if self._check(vm, now):
                    acted.append(vm.id)
            except VmfabricError as exc:
                log.info("vm %s: its shutdown could not be looked at: %s", vm.id, exc)
        return acted

    def _check(self, vm, now):
        request = vm.power_request
        if vm.pmid is None or vm.in_transition:
            return False
        pm = self.store.pms.get(vm.pmid)
        try:
            state = self.hv.domains.state(pm, naming.domain(vm.id))
        except NotFound:
            state = "missing"
        if state != "running":
            self.store.vms.set_power_request(vm.id, {}, expect=request)
            return True
        if now < request["deadline"] or request.get("overdue"):
            return False
        waited = round(now - request["at"])
        if request.get("force"):
            self.hv.domains.power(pm, naming.domain(vm.id), "stop")
            self.store.vms.set_power_request(vm.id, {}, expect=request)
            self.store.vms.set_state(vm.id, "shutoff")
            self._event(vm, f"the guest did not shut down within {waited} s; stopped (forced)")
            return True
        self.store.vms.set_power_request(vm.id, dict(request, overdue=True), expect=request)
        self._event(vm, f"the guest has not shut down {waited} s after it was asked (it may "
                        f"ignore the power button); `vmfabric vm stop {vm.id}` forces it off")
        return True

    def _event(self, vm, outcome):
        log.warning("vm %s: %s", vm.id, outcome)
        self.store.events.record(user_id=vm.user_id, username="vmfabric", action=EVENT,
                                 target=f"vm {vm.id}", request_id="", status=0,
                                 outcome=outcome)
