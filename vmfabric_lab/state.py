"""What a lab is: its names, addresses and the pids it started, kept in DIR/lab.json.

Every kernel object a lab makes carries the prefix ``vmf`` plus the lab tag,
so a later run can recognise (and clear) its own leftovers without touching
anything else on the machine.
"""

import dataclasses
import ipaddress
import json
import os
import re
import zlib

from service.errors import LabError
from service.util import write_atomically

TAG_RE = re.compile(r"^[a-z][a-z0-9]{0,3}$")
FIRST_HOST_OCTET = 11
MAX_HOSTS = 100
# the lab's guests get addresses from the top of its /24, clear of the hosts' .11 - .110
GUEST_FIRST_OCTET, GUEST_LAST_OCTET = 128, 254
GUEST_NETWORK = "lab"


def default_subnet(tag):
    """A /24 in 10.213.0.0/16 chosen from the tag, so two labs do not collide."""
    third = zlib.crc32(tag.encode()) % 250 + 1
    return f"10.213.{third}.0/24"


@dataclasses.dataclass
class HostRecord:
    index: int
    address: str
    capacity: dict = dataclasses.field(default_factory=dict)
    domain_type: str = "qemu"
    pids: dict = dataclasses.field(default_factory=dict)
    failed: str = ""


@dataclasses.dataclass
class LabNames:
    """Kernel object names for one lab tag (interface names stay within 15 chars)."""

    tag: str

    @property
    def bridge(self):
        return f"vmfbr{self.tag}"

    def netns(self, index):
        return f"vmf-{self.tag}-h{index}"

    def veth(self, index):
        return f"vmf{self.tag}h{index}"

    @property
    def netns_re(self):
        return re.compile(rf"^vmf-{self.tag}-h\d+$")

    @property
    def veth_re(self):
        return re.compile(rf"^vmf{self.tag}h\d+$")


@dataclasses.dataclass
class LabState:
    dir: str
    tag: str
    subnet: str
    hosts: list = dataclasses.field(default_factory=list)
    # the storage host (index 0, .10): an iSCSI target every host reaches; None in a lab
    # made before it had one, until its next `up`
    storage: HostRecord = None

    @property
    def names(self):
        return LabNames(self.tag)

    @property
    def network(self):
        return ipaddress.ip_network(self.subnet)

    @property
    def gateway(self):
        return str(self.network.network_address + 1)

    @property
    def prefixlen(self):
        return self.network.prefixlen

    def address_of(self, index):
        return str(self.network.network_address + FIRST_HOST_OCTET + index - 1)

    def guest_network(self):
        """The lab segment as a vmfabric address pool (the `networks` setting's shape)."""
        base = self.network.network_address
        return {"cidr": self.subnet, "gateway": self.gateway, "dns": [self.gateway],
                "range": [str(base + GUEST_FIRST_OCTET), str(base + GUEST_LAST_OCTET)]}

    def host_dir(self, index):
        return os.path.join(self.dir, "hosts", f"h{index}")

    def find_host(self, name):
        """A host by index (``1``, ``h1``) or address."""
        key = str(name)
        for host in self.hosts + ([self.storage] if self.storage else []):
            if key in (str(host.index), f"h{host.index}", host.address) or (
                    host.index == 0 and key == "storage"):
                return host
        known = ", ".join(f"h{h.index} ({h.address})" for h in self.hosts)
        raise LabError(f"no lab host {name!r}; hosts are: {known}")

    # files in DIR
    @property
    def path(self):
        return os.path.join(self.dir, "lab.json")

    @property
    def pm_file(self):
        return os.path.join(self.dir, "pm_file")

    @property
    def settings_file(self):
        return os.path.join(self.dir, "host_settings.yml")

    @property
    def private_key(self):
        return os.path.join(self.dir, "id_ed25519")

    @property
    def known_hosts(self):
        return os.path.join(self.dir, "known_hosts")

    @property
    def ssh_config(self):
        return os.path.join(self.dir, "ssh_config")

    def save(self):
        write_atomically(self.path, json.dumps(dataclasses.asdict(self), indent=2))

    @classmethod
    def load(cls, lab_dir):
        path = os.path.join(lab_dir, "lab.json")
        try:
            with open(path) as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise LabError(f"{path}: unreadable lab state: {exc}") from exc
        hosts = [HostRecord(**h) for h in data.pop("hosts", [])]
        storage = data.pop("storage", None)
        return cls(hosts=hosts, storage=HostRecord(**storage) if storage else None, **data)


def check_tag(tag):
    if not TAG_RE.match(tag):
        raise LabError(f"lab name {tag!r}: use 1-4 lower-case letters or digits, starting with a letter")
    return tag
