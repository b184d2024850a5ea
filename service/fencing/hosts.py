"""Fencing a host of the fleet: through the agent its settings name, recorded on the host.

Only a host that takes no VMs may be fenced by hand: one that is down, or drained by an
operator (`pm drain`). An up host serving VMs is refused: cutting its power would stop
them with no replacement. The result is kept on the host (``pms.fence``) and answered:
``fenced`` when the power read back off, ``unfenceable`` with the reason otherwise.
"""

import dataclasses

from service import clock, fencing
from service.errors import Conflict


@dataclasses.dataclass
class HostFencer:
    store: object
    config: dict

    def fence(self, pmid):
        pm = self.store.pms.get(pmid)
        if pm.state == "up" and not pm.maintenance:
            raise Conflict(f"{pm.label} is up and takes VMs: drain it first (`vmfabric pm drain "
                           f"{pm.id}`), or let it be down, before fencing it")
        ha = self.config["ha"]
        done = fencing.fence(fencing.agent_for(pm.settings, timeout=10.0),
                             confirm_within=ha["fence_confirm"])
        record = {"state": "fenced" if done.confirmed else "unfenceable", "at": clock.now(),
                  "detail": done.detail}
        self.store.pms.set_fence(pm.id, record)
        return dataclasses.replace(pm, fence=record)
