"""A host's addresses, resolved once, so two spellings of one host are known as one.

``localhost:2222`` and ``127.0.0.1:2222`` are the same sshd; comparing the
addresses a name resolves to (with the port) catches that before a second pmid
is given. Resolution is bounded in time; a name that does not resolve is
compared by its spelling.
"""

import concurrent.futures
import ipaddress
import socket

from service.store.pms import host_identity

TIMEOUT = 5.0
_pool = concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix="vmfabric-resolve")


def addresses(host, timeout=TIMEOUT):
    """Sorted IP addresses HOST stands for (itself, canonical, for an IP literal); [] if unknown."""
    try:
        return [ipaddress.ip_address(host).compressed]
    except ValueError:
        pass
    future = _pool.submit(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=timeout)
    except (OSError, UnicodeError, concurrent.futures.TimeoutError):
        return []
    found = set()
    for info in infos:
        try:
            found.add(ipaddress.ip_address(info[4][0].split("%")[0]).compressed)
        except ValueError:
            continue
    return sorted(found)


def each(hosts, timeout=TIMEOUT):
    """addresses() of every host of HOSTS, resolved at once."""
    futures = [_pool.submit(addresses, host, timeout) for host in hosts]
    return [future.result() for future in futures]


def same_host(first, second):
    """True when FIRST and SECOND, (address, port, resolved) each, are one host."""
    return bool(host_identity(*first) & host_identity(*second))
