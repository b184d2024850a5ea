"""vmfabric: VM provisioning across a fleet of libvirt hypervisor hosts."""

__version__ = "0.1.0"
