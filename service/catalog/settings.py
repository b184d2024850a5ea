"""The ``images`` settings: how large an image may be, where an import may fetch from, and
how long it may take; each bad value is named with what it must be."""

import ipaddress

from service.errors import ConfigError

GIB = 1 << 30
DEFAULTS = {
    "images": {
        # bytes an uploaded or imported image may have
        "max_size": 64 * GIB,
        # where an import from a URL may connect: "public" (globally routable addresses)
        # and CIDRs the operator allows (the server's own networks are refused otherwise)
        "import_networks": ["public"],
        # seconds a whole import may take, and seconds any one read may wait
        "import_timeout": 3600, "read_timeout": 60,
        # redirects an import follows (each one checked as the first address was)
        "max_redirects": 5,
    },
}


def check(data):
    images = data["images"]
    for key, low, high in (("max_size", 1 << 20, 1 << 44), ("import_timeout", 10, 7 * 86400),
                           ("read_timeout", 1, 3600), ("max_redirects", 0, 20)):
        value = images[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"images.{key}: a whole number from {low} to {high}, not {value!r}")
    networks = images["import_networks"]
    if not isinstance(networks, list):
        raise ConfigError(f"images.import_networks: a list, not {networks!r}")
    for entry in networks:
        if entry == "public":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except (TypeError, ValueError):
            raise ConfigError(f"images.import_networks: {entry!r} is neither \"public\" nor a "
                              "CIDR (such as 192.0.2.0/24)") from None
