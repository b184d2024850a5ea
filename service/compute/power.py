"""Power actions on a VM, checked against the state its host reports now."""

import dataclasses

from service import naming
from service.errors import Conflict, NotFound, ValidationError

ALLOWED_FROM = {
    "start": {"shutoff", "crashed"},
    "shutdown": {"running"},
    "stop": {"running", "paused"},
    "reboot": {"running"},
    "pause": {"running"},
    "resume": {"paused"},
}
SETTLED = ("running", "shutoff", "paused", "crashed")


class Power:
    def __init__(self, store, hypervisors, shutdowns):
        self.store = store
        self.hv = hypervisors
        self.shutdowns = shutdowns

    def act(self, vmid, action, force=False):
        """Do ACTION on VMID; returns the VM with the state its host reports afterwards. A
        shutdown is watched until it is done (compute/shutdowns.py); FORCE: stopped if it
        is not done in time."""
        if action not in ALLOWED_FROM:
            raise ValidationError(f"action: one of {', '.join(ALLOWED_FROM)}", field="action")
        vm = self.store.vms.get(vmid)
        if vm.in_transition or vm.pmid is None:
            raise Conflict(f"vm {vmid} is {vm.state}; {action} needs it "
                           f"{' or '.join(sorted(ALLOWED_FROM[action]))}")
        pm = self.store.pms.get(vm.pmid)
        if pm.state == "down":
            raise Conflict(f"vm {vmid} is on {pm.label}, which is down: {pm.reason}")
        current = self._live_state(pm, vmid)
        if current not in ALLOWED_FROM[action]:
            raise Conflict(f"vm {vmid} is {current}; {action} needs it "
                           f"{' or '.join(sorted(ALLOWED_FROM[action]))}")
        self.hv.domains.power(pm, naming.domain(vmid), action)
        if action == "shutdown":
            self.shutdowns.asked(vmid, force)
        elif self.store.vms.get(vmid).power_request:
            self.store.vms.set_power_request(vmid, {})
        after = self._live_state(pm, vmid)
        if after in SETTLED:
            self.store.vms.set_state(vmid, after)
        return dataclasses.replace(self.store.vms.get(vmid), state=after)

    def _live_state(self, pm, vmid):
        try:
            return self.hv.domains.state(pm, naming.domain(vmid))
        except NotFound:
            return "missing"
