"""Parse a pm_file: one host per line, ``[user@]address[:port]``.

IPv6 addresses take a port only in brackets (``[2001:db8::1]:2222``); a bare
IPv6 address is accepted as it is. Blank lines and ``#`` comments are ignored.
Every problem names the file and line; a file with any problem yields nothing.
"""

import dataclasses
import ipaddress
import re

from service import linefile
from service.errors import InventoryError

HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
                         r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
USER_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
DEFAULT_USER = "root"
DEFAULT_PORT = 22


@dataclasses.dataclass(frozen=True)
class PmEntry:
    address: str
    user: str = DEFAULT_USER
    port: int = DEFAULT_PORT
    line: int = 0

    @property
    def key(self):
        """What makes two entries the same host."""
        return (self.address.lower(), self.port)

    @property
    def ssh_target(self):
        """The known_hosts / URI form of address and port."""
        return self.address if self.port == DEFAULT_PORT else f"[{self.address}]:{self.port}"

    @property
    def uri_host(self):
        return f"[{self.address}]" if ":" in self.address else self.address


def parse_line(text, default_user=DEFAULT_USER):
    """Parse one host spec; raises ValueError with the reason."""
    spec = text.strip()
    user = default_user
    if "@" in spec:
        user, spec = spec.rsplit("@", 1)
        if not USER_RE.match(user):
            raise ValueError(f"bad user name {user!r}")
    port = DEFAULT_PORT
    if spec.startswith("["):
        match = re.match(r"^\[([^\]]+)\](?::(\d+))?$", spec)
        if not match:
            raise ValueError(f"bad bracketed address {spec!r} (expected [IPv6]:port)")
        address, port_text = match.group(1), match.group(2)
        _ipv6(address)
        if port_text:
            port = _port(port_text)
    elif spec.count(":") > 1:
        address = str(_ipv6(spec))
    else:
        address, _, port_text = spec.partition(":")
        if _:
            port = _port(port_text)
        address = _host(address)
    return PmEntry(address=address, user=user, port=port)


def _ipv6(text):
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an IPv6 address") from None


def _port(text):
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"bad port {text!r} (1-65535)")
    return int(text)


def _host(text):
    if not text:
        raise ValueError("missing address")
    if re.match(r"^[\d.]+$", text):
        try:
            return str(ipaddress.IPv4Address(text))
        except ValueError:
            raise ValueError(f"{text!r} is not an IPv4 address") from None
    if not HOSTNAME_RE.match(text):
        raise ValueError(f"{text!r} is neither an IP address nor a host name")
    return text


def parse_text(text, source="<pm_file>", default_user=DEFAULT_USER):
    return linefile.parse(
        text, source,
        lambda body, number: dataclasses.replace(parse_line(body, default_user), line=number),
        key=lambda entry: entry.key, duplicate="duplicate host {text}",
        empty="no hosts (the file is empty or only comments)", error=InventoryError,
        inline_comments=True)


def parse_file(path, default_user=DEFAULT_USER):
    return parse_text(linefile.read(path, "pm_file", InventoryError), source=path,
                      default_user=default_user)
