"""Opening an image's URL for an import without making the server a door into its own
network: http and https only, every address a name resolves to checked against
``images.import_networks`` (public addresses, and the CIDRs the operator allows), the
connection made to the address that was checked (a name that resolves differently a moment
later changes nothing), redirects followed by hand and checked the same way, each read
bounded in time and the whole body in size."""

import ipaddress
import socket
import urllib.parse

import urllib3

from service.catalog.fields import check_url
from service.catalog.transfer import TransferFailed
from service.errors import ValidationError

REDIRECTS = (301, 302, 303, 307, 308)
CONNECT_TIMEOUT = 15


class Allowed:
    """The addresses an import may connect to."""

    def __init__(self, entries):
        self.public = "public" in entries
        self.networks = [ipaddress.ip_network(e, strict=False) for e in entries if e != "public"]

    def admits(self, address):
        ip = ipaddress.ip_address(address)
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if any(ip in net for net in self.networks):
            return True
        return self.public and ip.is_global and not ip.is_multicast


def resolve(url, allowed, field="url"):
    """(scheme, host, port, address) of URL, its address one ALLOWED admits; a
    ValidationError naming what is refused otherwise."""
    parts = urllib.parse.urlsplit(check_url(url))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError(f"{field}: {url!r} has a bad port", field=field) from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(f"{field}: cannot resolve {parts.hostname!r} ({exc})",
                              field=field) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    refused = [a for a in addresses if not allowed.admits(a)]
    if refused:
        named = "" if parts.hostname == refused[0] else f"{parts.hostname} is "
        raise ValidationError(f"{field}: {named}{refused[0]}, an address "
                              "images.import_networks does not allow", field=field)
    return parts.scheme, parts.hostname, port, addresses[0]


def open_url(url, settings):
    """(response, length or None) for URL: a urllib3 response to read the image from."""
    allowed = Allowed(settings["import_networks"])
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=settings["read_timeout"])
    for _ in range(settings["max_redirects"] + 1):
        scheme, host, port, address = resolve(url, allowed)
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(address, port, timeout=timeout, retries=False,
                                               server_hostname=host, assert_hostname=host,
                                               cert_reqs="CERT_REQUIRED")
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
        parts = urllib.parse.urlsplit(url)
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        try:
            response = pool.urlopen("GET", target, headers={"Host": parts.netloc,
                                                            "User-Agent": "vmfabric"},
                                    redirect=False, preload_content=False, retries=False)
        except urllib3.exceptions.HTTPError as exc:
            raise TransferFailed(f"{host}: {_reason(exc)}") from None
        if response.status in REDIRECTS and response.headers.get("Location"):
            url = urllib.parse.urljoin(url, response.headers["Location"])
            response.release_conn()
            continue
        if response.status != 200:
            response.release_conn()
            raise TransferFailed(f"{host} answered HTTP {response.status} {response.reason}")
        return response, _length(response, settings["max_size"])
    raise TransferFailed(f"more than {settings['max_redirects']} redirects "
                         "(images.max_redirects)")


def reader(response):
    """READ(n) over RESPONSE that names a stalled or broken connection as a TransferFailed."""
    def read(n):
        try:
            return response.read(n)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransferFailed(f"the download broke off: {_reason(exc)}") from None
    return read


def _length(response, limit):
    raw = response.headers.get("Content-Length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise TransferFailed(f"the server announced a bad Content-Length ({raw[:40]!r})")
    if int(raw) > limit:
        response.release_conn()
        raise TransferFailed(f"the image is {raw} bytes, over images.max_size ({limit})")
    return int(raw)


def _reason(exc):
    return str(getattr(exc, "reason", None) or exc)[:200]
