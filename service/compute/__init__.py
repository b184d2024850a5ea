"""What can be done to VMs; each capability is a module of its own.

``Compute`` is the one object the API and the sync loop hold: it hands each
request to the module that does it (create, destroy, power, console).
"""

from service.compute.console import Consoles
from service.compute.create import Creator
from service.compute.destroy import Destroyer
from service.compute.power import ALLOWED_FROM, Power  # noqa: F401  (the API's action list)


class Compute:
    def __init__(self, config, store, scheduler, hypervisors, process):
        self.creator = Creator(config, store, scheduler, hypervisors, process)
        self.destroyer = Destroyer(store, hypervisors, process)
        self.powers = Power(store, hypervisors)
        self.consoles = Consoles(store, hypervisors)

    def create(self, name, tid, image_id=None, count=1, preference="pack"):
        return self.creator.create(name, tid, image_id, count, preference)

    def destroy(self, vmid):
        return self.destroyer.destroy(vmid)

    def power(self, vmid, action):
        return self.powers.act(vmid, action)

    def console(self, vmid, lines=50):
        return self.consoles.tail(vmid, lines)

    def cleanup(self, pm, vmid):
        self.creator.cleanup(pm, vmid)
