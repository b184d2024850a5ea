"""A VM's serial console: its log, read from its host's pool, and the console itself, to type
into."""

from service import naming
from service.errors import Conflict, NotFound


class Consoles:
    def __init__(self, store, hypervisors):
        self.store = store
        self.hv = hypervisors

    def tail(self, vmid, lines=50):
        """The last LINES lines of VMID's console ([] before the guest wrote anything)."""
        pm = self._host(vmid)
        try:
            data = self.hv.storage.read_tail(pm, naming.console(vmid), max(4096, lines * 512))
        except NotFound:
            return []
        return data.decode("utf-8", "replace").replace("\r", "").splitlines()[-lines:]

    def attach(self, vmid):
        """VMID's console, open (hypervisor.consoles.OpenConsole); Conflict unless it runs."""
        vm = self.store.vms.get(vmid)
        if vm.state not in ("running", "paused"):
            raise Conflict(f"vm {vmid} is {vm.state}: start it to use its console")
        return self.hv.consoles.open(self._host(vmid), naming.domain(vmid))

    def _host(self, vmid):
        vm = self.store.vms.get(vmid)
        if vm.pmid is None:
            raise Conflict(f"vm {vmid} is {vm.state} and has no console")
        pm = self.store.pms.get(vm.pmid)
        if pm.state == "down":
            raise Conflict(f"vm {vmid} is on {pm.label}, which is down: {pm.reason}")
        return pm
