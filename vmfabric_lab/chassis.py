"""A lab host's chassis, as its BMC (ipmi_sim's chassis_control program) drives it:

    python -m vmfabric_lab.chassis LAB_DIR INDEX get power
    python -m vmfabric_lab.chassis LAB_DIR INDEX set power 0|1

(ipmi_sim appends `get power` or `set power N` to the command its configuration gives.)

`get` prints ``power:1`` or ``power:0`` (the format ipmi_sim reads); `set power 0` is the
plug pulled: every process of the host is killed at once (SIGKILL: nothing is shut down
cleanly, no guest is told) and its link goes down; `set power 1` turns it on and, as a
machine boots after its BMC has answered, brings its link and its daemons back in a process
of its own (what `vmfabric lab heal` does). Anything else is refused on stderr.
"""

import os
import signal
import subprocess
import sys

from vmfabric_lab import bmc, netns
from vmfabric_lab.state import LabState


def power_off(state, host):
    host_dir = state.host_dir(host.index)
    bmc.set_power_file(host_dir, on=False)
    anchor = host.pids.get("anchor")
    netns.set_link(state.names.veth(host.index), up=False)
    for pid in netns.netns_pids(state.names.netns(host.index)):
        if pid != anchor:  # (the namespace stays, as a machine's disks do when it is off)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def power_on(lab_dir, state, host):
    """As a BMC does: the power is on at once, and the machine boots after the answer (its
    link and daemons come back in a process of their own, `boot`)."""
    bmc.set_power_file(state.host_dir(host.index), on=True)
    log = open(os.path.join(state.host_dir(host.index), "bmc", "boot.log"), "w")
    subprocess.Popen([sys.executable, "-m", "vmfabric_lab.chassis", lab_dir, str(host.index),
                      "boot"], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                     start_new_session=True)


def boot(lab_dir, host):
    from vmfabric_lab.lab import Lab

    Lab(lab_dir).heal(host.index)


def main(argv):
    lab_dir, index, verb, *parms = argv
    state = LabState.load(lab_dir)
    host = state.find_host(index)
    if verb == "get":
        on = bmc.power_is_on(state.host_dir(host.index))
        print("\n".join(f"power:{int(on)}" for parm in parms if parm == "power"))
        return 0
    if verb == "set" and parms[:1] == ["power"] and parms[1:2] in (["0"], ["1"]):
        if parms[1] == "0":
            power_off(state, host)
        else:
            power_on(lab_dir, state, host)
        return 0
    if verb == "boot":
        boot(lab_dir, host)
        return 0
    print(f"chassis: {verb} {' '.join(parms)}: only `get power` and `set power 0|1`",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

