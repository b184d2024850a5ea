"""What every request passes before any view: the names the server is known by, the size of
its body, and no change made by a method that must not change anything.

* Host: a request is served only under a name the installation is known by
  (``server.allowed_hosts``; by default this machine's names and the addresses of its
  interfaces). A page under another name that resolves to the server (DNS rebinding)
  gets 400 and passes nothing else, not even the seed API's cross-site check.
* Body: over ``server.max_body`` bytes is 413 before anything reads it (an image's upload,
  streamed to disk, is bounded by ``images.max_size`` instead).
* HEAD and OPTIONS: Flask answers HEAD with a GET route's view; a seed endpoint that
  changes state (``/vm/create`` ...) answers them with its failure shape instead, so
  neither method makes or destroys anything.
"""

import ipaddress
import socket

from flask import request

from service.errors import VmfabricError

SAFE_METHODS = ("HEAD", "OPTIONS")
# the endpoints whose octet-stream bodies are streamed to disk, within their own limit
STREAMED = frozenset({"v1.create_image", "ui.upload_image"})


class BadHost(VmfabricError):
    """The request names a host the installation is not known by."""


class BodyTooLarge(VmfabricError):
    """The request's body is over server.max_body."""


class NotAChange(VmfabricError):
    """HEAD or OPTIONS asked of an endpoint that changes state: answered, nothing done."""


def allowed_hosts(configured):
    """The host names requests may carry: CONFIGURED (a list) or this machine's own."""
    if configured is not None:
        return AllowedHosts(_normal(name) for name in configured)
    names = {"localhost", socket.gethostname(), socket.getfqdn()}
    return AllowedHosts(_normal(name) for name in names | local_addresses())


class AllowedHosts:
    """The host names requests may carry, and the Host headers already found to name one:
    an installation is reached by a handful of them, each parsed once, not per request."""

    REMEMBERED = 256  # a header is the client's to choose: only admitted ones, and so many

    def __init__(self, names):
        self.names = frozenset(names)
        self._admitted = set()

    def admits(self, header):
        if header in self._admitted:
            return True
        if host_of(header) not in self.names:
            return False
        if len(self._admitted) < self.REMEMBERED:
            self._admitted.add(header)
        return True


def local_addresses():
    """Every address of this machine's interfaces (IPv4 from the kernel's local routing
    table, IPv6 from its address list), read from /proc: no subprocess, no resolver."""
    found = {"127.0.0.1", "::1"}
    try:
        with open("/proc/net/fib_trie") as fh:
            lines = fh.read().splitlines()
        for previous, line in zip(lines, lines[1:]):
            if line.strip() == "/32 host LOCAL":
                found.add(previous.strip().lstrip("|-").strip())
    except OSError:
        pass
    try:
        with open("/proc/net/if_inet6") as fh:
            for line in fh:
                raw = line.split()[0]
                found.add(str(ipaddress.IPv6Address(int(raw, 16))))
    except (OSError, ValueError, IndexError):
        pass
    return found


def _normal(name):
    return name.strip().strip("[]").lower().rstrip(".")


def host_of(header):
    """The host part of a Host header: 'a.example:80' -> 'a.example', '[::1]:80' -> '::1'."""
    if header.startswith("["):
        return _normal(header[1:].partition("]")[0])
    return _normal(header.rpartition(":")[0] if header.count(":") == 1 else header)


def check(req, allowed, max_body, seed_changes):
    """Raise BadHost, BodyTooLarge or NotAChange for the request REQ (see the module);
    ALLOWED: an AllowedHosts."""
    if not allowed.admits(req.environ.get("HTTP_HOST", "")):
        raise BadHost("this server is not known by the name in the request's Host header "
                      "(server.allowed_hosts)")
    length = req.content_length
    if length is not None and length > max_body and not streamed(req):
        raise BodyTooLarge(f"the request body is over {max_body} bytes (server.max_body)")
    if req.method in SAFE_METHODS and (req.endpoint in seed_changes or (
            req.method == "OPTIONS" and is_seed_path())):
        raise NotAChange(f"{request.method} changes nothing here")


def is_seed_path():
    path = request.path
    return not (path.startswith("/api/v1") or path == "/ui" or path.startswith("/ui/")
                or path == "/metrics")


def streamed(req):
    return req.endpoint in STREAMED and req.mimetype == "application/octet-stream"
