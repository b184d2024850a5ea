"""The lab's network: one bridge with no uplink, one namespace and veth per host.

Nothing here routes out of the bridge: no default route in the namespaces,
no NAT, no forwarding rule. The controller reaches hosts through the bridge's
own address.

Every interface a lab makes carries its owner, the lab's directory, as its
alias (``ip link set ... alias``): the bridge, each veth, and the eth0 inside
each host's namespace. So a lab recognises its own objects, and those of
another lab, even when that lab's files are gone.
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


ALIAS_PREFIX = "vmfabric-lab "


def owner_alias(lab_dir):
    alias = ALIAS_PREFIX + lab_dir
    if len(alias.encode()) > 250:
        raise LabError(f"lab directory {lab_dir!r} is too long (its path names its objects)")
    return alias


def _owner(link):
    """The lab directory an interface belongs to, '' for none recorded."""
    alias = link.get("ifalias", "")
    return alias[len(ALIAS_PREFIX):] if alias.startswith(ALIAS_PREFIX) else ""


def subnet_users(subnet, own_bridge):
    """[(interface, its address/prefix, owner lab dir or '')] overlapping SUBNET, but OWN_BRIDGE."""
    net = ipaddress.ip_network(subnet)
    links = {link["ifname"]: link for link in list_links()}
    users = []
    for iface in json.loads(_ip("-j", "addr", "show").strip() or "[]"):
        if iface["ifname"] == own_bridge:
            continue
        for addr in iface.get("addr_info", []):
            if addr.get("family") != "inet":
                continue
            other = ipaddress.ip_network(f"{addr['local']}/{addr['prefixlen']}", strict=False)
            if net.overlaps(other):
                users.append((iface["ifname"], f"{addr['local']}/{addr['prefixlen']}",
                              _owner(links.get(iface["ifname"], {}))))
    return users


def objects(names):
    """[(kind, name, owner)] of every kernel object named like lab NAMES' (owner '' if unrecorded)."""
    found = []
    for link in list_links():
        if link["ifname"] == names.bridge:
            found.append(("bridge", link["ifname"], _owner(link)))
        elif names.veth_re.match(link["ifname"]):
            found.append(("veth", link["ifname"], _owner(link)))
    for ns in list_netns():
        if names.netns_re.match(ns):
            inside = json.loads(run(["ip", "-n", ns, "-j", "link", "show"], check=False) or "[]")
            eth0 = next((link for link in inside if link["ifname"] == "eth0"), {})
            found.append(("netns", ns, _owner(eth0)))
    return found


def sweep_owned(lab_dir):
    """Remove every lab object whose recorded owner is LAB_DIR, whatever its name."""
    for ns in list_netns():
        if ns.startswith("vmf-"):
            inside = json.loads(run(["ip", "-n", ns, "-j", "link", "show"], check=False) or "[]")
            if any(link["ifname"] == "eth0" and _owner(link) == lab_dir for link in inside):
                kill_pids(netns_pids(ns))
                _ip("netns", "del", ns, check=False)
    for link in list_links():
        if link["ifname"].startswith("vmf") and _owner(link) == lab_dir:
            _ip("link", "del", link["ifname"], check=False)


def ensure_bridge(bridge, gateway, prefixlen, owner):
    if not link_exists(bridge):
        _ip("link", "add", bridge, "type", "bridge")
    _ip("link", "set", bridge, "alias", owner_alias(owner))
    current = _ip("-j", "addr", "show", "dev", bridge)
    if f'"local":"{gateway}"' not in current.replace(" ", ""):
        _ip("addr", "add", f"{gateway}/{prefixlen}", "dev", bridge)
    _ip("link", "set", bridge, "up")


GUEST_BRIDGE = "br0"


def ensure_host_link(ns, veth, bridge, address, prefixlen, owner):
    """The namespace, its veth pair (eth0 inside), and inside it the guests' bridge br0 with
    eth0 as its uplink and the host's address, idempotently.

    br0 takes eth0's MAC (so the host keeps its identity on the segment), runs without STP
    and forwarding delay, and bridged frames skip iptables (br_netfilter would otherwise send
    guests' traffic through the FORWARD chain).
    """
    if ns not in list_netns():
        _ip("netns", "add", ns)
    inside = {link["ifname"]: link for link in json.loads(_ip_ns(ns, "-j", "link", "show") or "[]")}
    if "eth0" not in inside:
        if link_exists(veth):
            _ip("link", "del", veth)
        _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
        inside = {link["ifname"]: link for link in json.loads(_ip_ns(ns, "-j", "link", "show"))}
    _ip("link", "set", veth, "alias", owner_alias(owner))
    _ip_ns(ns, "link", "set", "eth0", "alias", owner_alias(owner))
    _ip("link", "set", veth, "master", bridge, "up")
    if GUEST_BRIDGE not in inside:
        _ip_ns(ns, "link", "add", GUEST_BRIDGE, "address", inside["eth0"]["address"], "type",
               "bridge", "stp_state", "0", "forward_delay", "0")
    _ip_ns(ns, "link", "set", "eth0", "master", GUEST_BRIDGE)
    cidr = f"{address}/{prefixlen}"
    if f'"local":"{address}"' in _ip_ns(ns, "-j", "addr", "show", "dev", "eth0").replace(" ", ""):
        _ip_ns(ns, "addr", "del", cidr, "dev", "eth0")  # a host made before it had a bridge
    if f'"local":"{address}"' not in _ip_ns(ns, "-j", "addr", "show", "dev",
                                            GUEST_BRIDGE).replace(" ", ""):
        _ip_ns(ns, "addr", "add", cidr, "dev", GUEST_BRIDGE)
    for link in ("lo", "eth0", GUEST_BRIDGE):
        _ip_ns(ns, "link", "set", link, "up")
    run(["ip", "netns", "exec", ns, "sh", "-c",
         "for f in /proc/sys/net/bridge/bridge-nf-call-*; do [ -e \"$f\" ] && echo 0 > \"$f\"; "
         "done; true"])


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
        alive = [p for p in alive if pid_alive(p)]
    for pid in alive:
        _signal(pid, signal.SIGKILL)


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


def pid_alive(pid):
    """True while PID runs (a zombie, which still answers kill(0), counts as gone)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def sweep(names, owners):
    """Remove the namespaces, veths and bridge of lab NAMES whose owner is one of OWNERS.

    Processes still living in those namespaces are ended first. Objects of
    another owner, and objects with other names, are never touched.
    """
    found = objects(names)
    for kind, name, owner in found:
        if kind == "netns" and owner in owners:
            kill_pids(netns_pids(name))
            try:
                _ip("netns", "del", name)
            except CommandError as exc:
                raise LabError(f"could not remove namespace {name}: {exc}") from exc
    for kind, name, owner in found:
        if kind != "netns" and owner in owners:
            _ip("link", "del", name, check=False)
