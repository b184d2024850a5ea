"""Where an installation lives and listens when nothing else says: the environment's defaults.

``VMFABRIC_HOME`` and ``VMFABRIC_PORT`` are read here and nowhere else, so the
server's configuration, the installer, the lab and the command-line client
agree on them.
"""

import os

HOME = "/var/lib/vmfabric"
PORT = 80


def home():
    """State directory: $VMFABRIC_HOME, else /var/lib/vmfabric."""
    return os.environ.get("VMFABRIC_HOME") or HOME


def port():
    """HTTP port: $VMFABRIC_PORT, else 80."""
    value = os.environ.get("VMFABRIC_PORT") or str(PORT)
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        from service.errors import ConfigError

        raise ConfigError(f"VMFABRIC_PORT={value!r}: expected a port number 1-65535")
    return int(value)


def url():
    """The server a client talks to: $VMFABRIC_URL, else http://localhost:PORT."""
    return os.environ.get("VMFABRIC_URL") or f"http://localhost:{port()}"
