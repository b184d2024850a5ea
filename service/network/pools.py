"""Address pools, one per guest network of the configuration.

    networks:
      lab: {cidr: 10.213.7.0/24, gateway: 10.213.7.1, dns: [10.213.7.1],
            range: [10.213.7.128, 10.213.7.254]}

vmfabric gives each guest NIC one address of its network's range and a MAC
derived from it (52:54:00 is QEMU's prefix; the next byte tells the networks
apart), so a MAC never depends on which libvirtd made the domain.
"""

import dataclasses
import ipaddress
import zlib

from service.errors import ConfigError

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclasses.dataclass(frozen=True)
class Pool:
    name: str
    network: ipaddress.IPv4Network
    gateway: str | None
    dns: tuple
    first: int
    last: int

    def addresses(self):
        """Every address of the range, lowest first."""
        for value in range(self.first, self.last + 1):
            yield str(ipaddress.IPv4Address(value))

    @property
    def size(self):
        return self.last - self.first + 1

    @property
    def first_ip(self):
        return str(ipaddress.IPv4Address(self.first))

    @property
    def last_ip(self):
        return str(ipaddress.IPv4Address(self.last))

    def mac_for(self, ip):
        """The MAC of the NIC that holds IP: 52:54:NN plus the address's last three bytes."""
        tag = zlib.crc32(self.name.encode()) & 0xFF
        low = int(ipaddress.IPv4Address(ip)) & 0xFFFFFF
        return "52:54:{:02x}:{:02x}:{:02x}:{:02x}".format(tag, low >> 16, (low >> 8) & 0xFF,
                                                           low & 0xFF)

    @property
    def prefixlen(self):
        return self.network.prefixlen


def pools_from_config(networks):
    """{name: Pool} for the `networks` setting; ConfigError naming the first bad value."""
    return {name: _pool(name, spec) for name, spec in (networks or {}).items()}


def _pool(name, spec):
    where = f"networks.{name}"
    if not isinstance(name, str) or not name or len(name) > 32 or set(name) - NAME_CHARS:
        raise ConfigError(f"{where}: a network's name is 1-32 of a-z, 0-9, _ and -")
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: expected {{cidr, gateway, dns, range}}")
    unknown = set(spec) - {"cidr", "gateway", "dns", "range"}
    if unknown:
        raise ConfigError(f"{where}.{sorted(unknown)[0]}: unknown setting")
    try:
        network = ipaddress.IPv4Network(str(spec.get("cidr")), strict=True)
    except ValueError as exc:
        raise ConfigError(f"{where}.cidr: {spec.get('cidr')!r} is not an IPv4 network: {exc}") from None
    gateway = spec.get("gateway")
    if gateway is not None:
        _inside(network, gateway, f"{where}.gateway")
    dns = spec.get("dns") or []
    if not isinstance(dns, list):
        raise ConfigError(f"{where}.dns: expected a list of addresses")
    for server in dns:
        _address(server, f"{where}.dns")
    limits = spec.get("range") or [str(network.network_address + 1),
                                   str(network.broadcast_address - 1)]
    if not isinstance(limits, list) or len(limits) != 2:
        raise ConfigError(f"{where}.range: expected [first, last]")
    first, last = (int(_inside(network, value, f"{where}.range")) for value in limits)
    if first > last:
        raise ConfigError(f"{where}.range: {limits[0]} comes after {limits[1]}")
    if first == int(network.network_address) or last == int(network.broadcast_address):
        raise ConfigError(f"{where}.range: the network and broadcast addresses are not for guests")
    if gateway is not None and first <= int(ipaddress.IPv4Address(gateway)) <= last:
        raise ConfigError(f"{where}.range: it holds the gateway {gateway}")
    return Pool(name, network, gateway, tuple(dns), first, last)


def _address(value, where):
    try:
        return ipaddress.IPv4Address(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not an IPv4 address") from None


def _inside(network, value, where):
    address = _address(value, where)
    if address not in network:
        raise ConfigError(f"{where}: {value} is not in {network}")
    return address
