"""libvirt's errors as vmfabric's: the one place that reads libvirt error codes."""

import libvirt

from service import diagnose
from service.errors import Conflict, HypervisorError, NotFound

NOT_FOUND = {libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_NO_STORAGE_VOL,
             libvirt.VIR_ERR_NO_STORAGE_POOL, libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT}
CONNECTION_LOST = {libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_RPC,
                   libvirt.VIR_ERR_NO_CONNECT, libvirt.VIR_ERR_INVALID_CONN}
# errors of the connection itself (RPC, its transport), whatever their code
TRANSPORT = {libvirt.VIR_FROM_RPC, libvirt.VIR_FROM_REMOTE}


class Unreachable(HypervisorError):
    """The host's libvirt could not be reached at all (as opposed to an operation failing)."""


def failure(pm, what, exc):
    """Our exception for libvirt error EXC raised while doing WHAT on PM, in one line."""
    code = exc.get_error_code()
    message = f"{pm.label}: {what}: {diagnose.explain(exc.get_error_message(), pm.id)}"
    if code in NOT_FOUND:
        return NotFound(message)
    if code == libvirt.VIR_ERR_OPERATION_INVALID:
        return Conflict(message)
    if code in CONNECTION_LOST or exc.get_error_domain() in TRANSPORT:
        return Unreachable(message)
    return HypervisorError(message)


def is_missing(exc, code):
    """True when libvirt error EXC is CODE (say, no such volume)."""
    return isinstance(exc, libvirt.libvirtError) and exc.get_error_code() == code
