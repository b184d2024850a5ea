"""Choosing a lab's name and subnet so that it never takes over another lab's.

A lab is identified by its directory, which its kernel objects carry as
their owner (see netns.py). A new lab takes the name and subnet it is asked
for when no other lab uses them; when the default name or subnet is taken it
picks free ones, and when an explicitly requested one is taken it refuses,
naming the lab that holds it and its directory.
"""

import ipaddress

from service.errors import LabError
from vmfabric_lab import netns
from vmfabric_lab.state import LabNames, check_tag, default_subnet

LAB_RANGE = ipaddress.ip_network("10.213.0.0/16")


def holder(owner):
    if owner:
        return f"the lab in {owner}"
    return "a lab whose directory is not recorded (made by an older vmfabric; `vmfabric lab down --dir` it)"


def foreign_objects(names, lab_dir, legacy_is_ours=False):
    """Objects named like NAMES' that belong to another lab; LEGACY_IS_OURS: unrecorded ones are ours."""
    mine = {lab_dir, ""} if legacy_is_ours else {lab_dir}
    return [(kind, name, owner) for kind, name, owner in netns.objects(names) if owner not in mine]


def _tag_candidates(base):
    yield base
    for n in range(2, 100):
        suffix = str(n)
        yield base[:4 - len(suffix)] + suffix


def choose_tag(requested, lab_dir, explicit):
    """A name no other lab uses: REQUESTED, or (if not EXPLICIT) the first free variant of it."""
    check_tag(requested)
    for tag in (_tag_candidates(requested) if not explicit else [requested]):
        taken = foreign_objects(LabNames(tag), lab_dir)
        if not taken:
            return tag
        if explicit:
            raise LabError(f"lab name {tag!r} is in use by {holder(taken[0][2])} "
                           f"({taken[0][0]} {taken[0][1]}); choose another with --name")
    raise LabError(f"no free lab name like {requested!r}; choose one with --name")


def _subnet_candidates(first):
    yield first
    start = ipaddress.ip_network(first)
    subnets = list(LAB_RANGE.subnets(new_prefix=24))
    index = subnets.index(start) if start in subnets else 0
    for step in range(1, len(subnets)):
        yield str(subnets[(index + step) % len(subnets)])


def check_subnet(subnet, bridge):
    """Refuse SUBNET if an interface other than BRIDGE uses it, naming its owner."""
    users = netns.subnet_users(subnet, bridge)
    if users:
        iface, cidr, owner = users[0]
        who = holder(owner) if owner or iface.startswith("vmf") else f"interface {iface}"
        raise LabError(f"address range {subnet} is already in use by {who} ({iface} {cidr}); "
                       "choose another with --subnet")


def choose_subnet(requested, tag, bridge):
    """REQUESTED if free (refused with the holder named otherwise), else the first free /24."""
    if requested:
        check_subnet(requested, bridge)
        return requested
    for subnet in _subnet_candidates(default_subnet(tag)):
        if not netns.subnet_users(subnet, bridge):
            return subnet
    raise LabError(f"no free /24 in {LAB_RANGE}; choose a subnet with --subnet")
