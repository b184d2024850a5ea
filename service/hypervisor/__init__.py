"""The only package that talks to libvirt: connections, storage, domains.

Every libvirt.libvirtError is turned into one of our exceptions here
(NotFound for a missing domain or volume, Unreachable when the host cannot be
reached, HypervisorError otherwise), with the host and the operation in a
one-line message, so nothing above knows libvirt. A new capability is a new
module beside these, reached through ``Hypervisors``.
"""

from service.hypervisor.connections import Connections
from service.hypervisor.consoles import Consoles
from service.hypervisor.devices import Devices
from service.hypervisor.domains import Domains
from service.hypervisor.errors import Unreachable  # noqa: F401  (for callers)
from service.hypervisor.migration import Migration
from service.hypervisor.sizing import Sizing
from service.hypervisor.snapshots import Snapshots
from service.hypervisor.storage import Storage


class Hypervisors:
    def __init__(self, ssh_wrapper, libvirt_config, keepalive=True):
        """KEEPALIVE: libvirt keepalive (it starts libvirt's event loop thread; a process that
        will fork, like gunicorn's master, goes without)."""
        self.connections = Connections(
            ssh_wrapper, call_timeout=libvirt_config["call_timeout"],
            keepalive=(libvirt_config["keepalive_interval"], libvirt_config["keepalive_count"])
            if keepalive else None)
        self.storage = Storage(self.connections, libvirt_config["pool"], libvirt_config["pool_path"])
        self.domains = Domains(self.connections)
        self.consoles = Consoles(self.connections)
        self.devices = Devices(self.connections)
        self.migration = Migration(self.connections)
        self.sizing = Sizing(self.connections)
        self.snapshots = Snapshots(self.connections)

    def connect(self, pm):
        """Open PM's connection now (within libvirt.call_timeout), if it has none alive."""
        self.connections.open(pm)

    def forget(self, pm):
        self.connections.forget(pm)

    def close(self):
        self.connections.close()
