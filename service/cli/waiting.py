"""What `--wait` waits for: a VM's state, or its guest's SSH answering (its banner read from
this machine), each within a timeout that names what did not happen."""

import socket
import time

from service.errors import VmfabricError

POLL = 0.5
# the state each power action ends in
ENDS_IN = {"start": "running", "stop": "shutoff", "reboot": "running", "pause": "paused",
           "resume": "running", "shutdown": "shutoff"}


def state(client, vmid, wanted, timeout):
    """VM VMID's view once it is WANTED; VmfabricError after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    while True:
        vm = client.call("GET", f"/vms/{vmid}")["vm"]
        if vm["state"] == wanted:
            return vm
        if vm["state"] in ("failed", "crashed") or time.monotonic() > deadline:
            raise VmfabricError(f"vm {vmid} is {vm['state']}, not {wanted}"
                                + (f", after {timeout:.0f} s" if vm["state"] not in
                                   ("failed", "crashed") else "")
                                + (f": {vm['error']}" if vm.get("error") else ""))
        time.sleep(POLL)


def ssh(client, vmid, timeout):
    """The guest's SSH answer (address, host key) once its server sends its banner."""
    deadline = time.monotonic() + timeout
    info = client.call("GET", f"/vms/{vmid}/ssh")
    while not banner(info["address"]):
        if time.monotonic() > deadline:
            raise VmfabricError(f"vm {vmid}: SSH at {info['address']} did not answer within "
                                f"{timeout:.0f} s (is the guest still booting, and is its "
                                "network reachable from here?)")
        time.sleep(POLL)
    return info


def banner(address, port=22, timeout=2.0):
    """True when an SSH server at ADDRESS answers with its banner."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(4).startswith(b"SSH-")
    except OSError:
        return False
