"""/metrics without a token on a loopback address (``telemetry.listen``), for a Prometheus on
the same machine: a listener of the sync worker, so any server of an installation can be
scraped this way; nothing off the machine can reach it."""

import ipaddress
import logging

from service.errors import ConfigError

log = logging.getLogger("vmfabric.telemetry")


def address_of(listen):
    """(host, port) of a "HOST:PORT" whose HOST is a loopback address; ConfigError otherwise."""
    host, _, port = str(listen).rpartition(":")
    host = host.strip("[]")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"telemetry.listen: a loopback address and port such as "
                          f"127.0.0.1:9464 (the scrape there takes no token), not {listen!r}")
    return host, int(port)


def start(config, store):
    """The listener, or None when ``telemetry.listen`` is not set; (server, thread)."""
    listen = config["telemetry"].get("listen")
    if not listen:
        return None
    # (imported here: `vmfabric serve` must not load prometheus_client before it has set the
    # directory its workers share, see service/server.py)
    from prometheus_client import start_http_server

    from service.telemetry.prometheus import registry

    host, port = address_of(listen)
    server, thread = start_http_server(port, addr=host, registry=registry(store,
                                                                          config["telemetry"]))
    log.info("metrics for Prometheus on http://%s:%d/metrics (loopback, no token)", host, port)
    return server, thread
