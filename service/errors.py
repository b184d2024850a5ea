"""The exception hierarchy of vmfabric.

Each layer raises one of these with a message a user can act on; the CLI and
the API are the only places that turn them into exit codes or HTTP answers.
"""


class VmfabricError(Exception):
    """Base of every error vmfabric reports to a user."""


class ConfigError(VmfabricError):
    """A configuration file or input file is wrong (names file, line or field)."""


class LabError(VmfabricError):
    """The lab could not be brought up, inspected or torn down."""


class InventoryError(VmfabricError):
    """A pm_file or the generated inventory is wrong."""


class DiscoveryError(VmfabricError):
    """Ansible discovery could not run at all (not: a host was unreachable)."""


class PlacementError(VmfabricError):
    """No host can take the request."""


class NoCapacity(PlacementError):
    """Every candidate host is full or down."""


class HypervisorError(VmfabricError):
    """A libvirt operation failed; the message says which host and what."""


class NotFound(VmfabricError):
    """The named object does not exist."""


class Conflict(VmfabricError):
    """The object is in the wrong state for the action."""


class ValidationError(VmfabricError):
    """A request field is missing, unknown or out of range."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class Unauthorized(VmfabricError):
    """No credentials, or credentials that are not (or no longer) valid."""


class Forbidden(VmfabricError):
    """Valid credentials without the role the action needs."""


class QuotaExceeded(Conflict):
    """The user's quota has no room for the request."""
