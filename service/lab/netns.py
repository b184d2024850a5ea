"""The lab's network: one bridge with no uplink, one namespace and veth per host.

Nothing here routes out of the bridge: no default route in the namespaces,
no NAT, no forwarding rule. The controller reaches hosts through the bridge's
own address.
"""

import ipaddress
import json
import os
import signal
import time

from service.errors import LabError
from service.util import CommandError, run


def _ip(*args, check=True):
    return run(["ip", *args], check=check)


def _ip_ns(ns, *args):
    return run(["ip", "-n", ns, *args])


def list_netns():
    out = _ip("-j", "netns", "list", check=False).strip()
    if not out:
        return []
    return [entry["name"] for entry in json.loads(out)]


def list_links():
    return json.loads(_ip("-j", "link", "show").strip() or "[]")


def link_exists(name):
    return any(link["ifname"] == name for link in list_links())


def check_range_free(subnet, own_bridge):
    """Refuse a subnet that overlaps an address on an interface that is not ours."""
    net = ipaddress.ip_network(subnet)
    for iface in json.loads(_ip("-j", "addr", "show").strip() or "[]"):
        if iface["ifname"] == own_bridge:
            continue
        for addr in iface.get("addr_info", []):
            if addr.get("family") != "inet":
                continue
            other = ipaddress.ip_network(f"{addr['local']}/{addr['prefixlen']}", strict=False)
            if net.overlaps(other):
                raise LabError(
                    f"address range {subnet} is already in use by interface "
                    f"{iface['ifname']} ({addr['local']}/{addr['prefixlen']}); "
                    "choose another with --subnet"
                )


def ensure_bridge(bridge, gateway, prefixlen):
    if not link_exists(bridge):
        _ip("link", "add", bridge, "type", "bridge")
    current = _ip("-j", "addr", "show", "dev", bridge)
    if f'"local":"{gateway}"' not in current.replace(" ", ""):
        _ip("addr", "add", f"{gateway}/{prefixlen}", "dev", bridge)
    _ip("link", "set", bridge, "up")


def ensure_host_link(ns, veth, bridge, address, prefixlen):
    """Create the namespace and its veth pair (peer named eth0 inside), idempotently."""
    if ns not in list_netns():
        _ip("netns", "add", ns)
    inside = {link["ifname"] for link in json.loads(_ip_ns(ns, "-j", "link", "show") or "[]")}
    if "eth0" not in inside:
        if link_exists(veth):
            _ip("link", "del", veth)
        _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
    _ip("link", "set", veth, "master", bridge, "up")
    addrs = _ip_ns(ns, "-j", "addr", "show", "dev", "eth0").replace(" ", "")
    if f'"local":"{address}"' not in addrs:
        _ip_ns(ns, "addr", "add", f"{address}/{prefixlen}", "dev", "eth0")
    _ip_ns(ns, "link", "set", "lo", "up")
    _ip_ns(ns, "link", "set", "eth0", "up")


def set_link(veth, up):
    _ip("link", "set", veth, "up" if up else "down")


def link_is_up(veth):
    for link in list_links():
        if link["ifname"] == veth:
            return "UP" in link.get("flags", []) and link.get("operstate") != "DOWN"
    return False


def netns_pids(ns):
    out = _ip("netns", "pids", ns, check=False)
    return [int(p) for p in out.split() if p.strip().isdigit()]


def kill_pids(pids, timeout=5.0):
    """TERM, wait, then KILL whatever is left."""
    alive = [p for p in pids if _signal(p, signal.SIGTERM)]
    deadline = time.monotonic() + timeout
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if _exists(p)]
    for pid in alive:
        _signal(pid, signal.SIGKILL)


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


def _exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); treat it as gone
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def sweep(netns_prefix, veth_prefix, bridge):
    """Remove every namespace, veth and bridge carrying this lab's prefix.

    Processes still living in those namespaces are ended first. Objects with
    other names are never touched.
    """
    for ns in list_netns():
        if ns.startswith(netns_prefix):
            kill_pids(netns_pids(ns))
            try:
                _ip("netns", "del", ns)
            except CommandError as exc:
                raise LabError(f"could not remove namespace {ns}: {exc}") from exc
    for link in list_links():
        name = link["ifname"]
        if name.startswith(veth_prefix) or name == bridge:
            _ip("link", "del", name, check=False)
