"""Fencing: cutting a host's power out of band before its VMs are started anywhere else.

A host's ``vmfabric_bmc`` setting names its BMC and the agent that speaks to it:

    vmfabric_bmc: {agent: ipmi, address: 10.0.0.21, port: 623, username: admin,
                   password_file: /etc/vmfabric/bmc/h1.password}

``fence`` turns the power off and then reads the power state back until it says off: only a
confirmed fence (``Fenced.confirmed``) lets a host's VMs start elsewhere, because two copies
of a VM writing one disk lose its data. A BMC that does not answer, refuses the credentials,
or never reports off gives an unconfirmed result naming why, and the host's VMs stay where
they are. Every call to a BMC is bounded in time. Adding an agent (Redfish, a PDU) is one
module here and one line in AGENTS.
"""

import dataclasses

from service.errors import ConfigError, HypervisorError
from service.fencing import ipmi

AGENTS = {"ipmi": ipmi.IpmiAgent}


@dataclasses.dataclass(frozen=True)
class Fenced:
    confirmed: bool
    detail: str


def agent_for(settings, timeout=10.0):
    """The fence agent of a host whose settings are SETTINGS; None when it has no BMC."""
    bmc = (settings or {}).get("vmfabric_bmc")
    if not bmc:
        return None
    name = bmc.get("agent", "ipmi")
    if name not in AGENTS:
        raise ConfigError(f"vmfabric_bmc.agent: {name!r} is not a fence agent; known: "
                          f"{', '.join(sorted(AGENTS))}")
    return AGENTS[name](bmc, timeout=timeout)


def fence(agent, confirm_within=30.0):
    """Power the host off through AGENT and confirm it is off (a Fenced)."""
    if agent is None:
        return Fenced(False, "it has no BMC (vmfabric_bmc) to fence it with")
    try:
        agent.power_off()
        state = agent.wait_for("off", confirm_within)
    except HypervisorError as exc:
        return Fenced(False, str(exc))
    if state != "off":
        return Fenced(False, f"its BMC at {agent.label} still reports power {state} after "
                             f"{confirm_within:g} s")
    return Fenced(True, f"powered off through its BMC at {agent.label}, confirmed")
