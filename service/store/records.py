"""Typed records of the store's rows, with the arithmetic on them in one place.

Repositories hand these out instead of plain dicts: a PM knows its capacity,
what is claimed and what is free; a VM knows what it holds. Frozen, so a
record is a snapshot of the row when it was read (``dataclasses.replace``
makes a changed copy).
"""

import dataclasses

from service import clock
from service import naming
from service.resources import Resources  # noqa: F401  (records hand them out)


class HostNumbers:
    """A host's capacity, what is claimed of it and what is free, from its cpu, ram_mb,
    disk_gb and used_* fields (a full Pm, or a PmBrief)."""
    __slots__ = ()

    @property
    def capacity(self):
        return Resources(self.cpu, self.ram_mb, self.disk_gb)

    @property
    def used(self):
        return Resources(self.used_cpu, self.used_ram_mb, self.used_disk_gb)

    @property
    def free(self):
        return self.capacity - self.used


@dataclasses.dataclass(frozen=True, slots=True)
class Pm(HostNumbers):
    id: int
    address: str
    port: int
    user: str
    libvirt_uri: str
    settings: dict
    # new: never discovered; up; down (see reason)
    state: str
    reason: str
    domain_type: str
    cpu: int
    ram_mb: int
    disk_gb: int
    used_cpu: int
    used_ram_mb: int
    used_disk_gb: int
    vm_count: int
    facts: dict
    discovered_at: float | None
    # the periodic sync's last look at the host, and vmf-* domains it found that no VM owns
    checked_at: float | None = None
    unknown_domains: list = dataclasses.field(default_factory=list)
    resolved: list = dataclasses.field(default_factory=list)
    # drained by an operator: takes no new VMs; and since when it is down
    maintenance: bool = False
    down_since: float | None = None
    # its last fence: {state: fenced | unfenceable, at, detail}; {} when none
    fence: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_row(cls, row):
        return cls(**row)

    @property
    def takes_vms(self):
        """Up and not in maintenance: new VMs (and migrations) may land here."""
        return self.state == "up" and not self.maintenance

    @property
    def label(self):
        """How messages name the host: ``pm 2 (10.0.0.5)``."""
        return f"pm {self.id} ({self.address})"


@dataclasses.dataclass(frozen=True, slots=True)
class PmBrief(HostNumbers):
    """A host's numbers only (store/pms.py brief): what a capacity query needs."""
    id: int
    cpu: int
    ram_mb: int
    disk_gb: int
    used_cpu: int
    used_ram_mb: int
    used_disk_gb: int
    vm_count: int


# states a VM passes through while a request works on it; it has an owner then
TRANSITIONAL = frozenset({"creating", "deleting", "migrating"})


@dataclasses.dataclass(frozen=True, slots=True)
class Vm:
    id: int
    name: str
    tid: int
    image_id: int
    pmid: int | None
    # creating -> running | shutoff | paused | crashed | missing ; failed ; deleting ;
    # migrating -> running | paused | shutoff
    state: str
    domain_name: str
    cpu: int
    ram_mb: int
    disk_gb: int
    error: str
    created_at: float
    updated_at: float
    # when the state was set (by a request, or by the sync seeing it change)
    state_at: float | None = None
    # the server process working on the VM while it is in a transitional state
    owner: str | None = None
    ssh_keys: list = dataclasses.field(default_factory=list)
    host_key: str = ""
    user_data: str = ""
    cluster_id: int | None = None
    user_id: int | None = None
    # while migrating: the host it is moving to (claimed there too until the move ends)
    target_pmid: int | None = None
    # the headroom its domain has for live growth (0: none), and a resize waiting for its
    # next start ({cpu, ram_mb}: the claim holds the larger sizes until then)
    max_cpu: int = 0
    max_ram_mb: int = 0
    pending: dict = dataclasses.field(default_factory=dict)
    # VMs of one spread group stay on different hosts, whatever moves them later
    spread_group: str | None = None
    # the create request that made it (a batch is finished or undone as one)
    batch: str | None = None
    # a shutdown asked of its guest: {action, at, deadline, force}; {} when none
    power_request: dict = dataclasses.field(default_factory=dict)
    # the share of its vCPUs it declared it would use (None: nothing), and when its last
    # migration finished
    expected_use: float | None = None
    moved_at: float | None = None
    # its vertical autoscaling policy ({} when none)
    autoscale: dict = dataclasses.field(default_factory=dict)
    # the shared-storage backend holding its disk (None: a volume in its host's pool), and
    # whether it is restarted on another host (after a fence) when its host fails
    storage: str | None = None
    ha: bool = False
    # when its host, up, was last looked at by the sync (read with the VM for answers)
    host_checked_at: float | None = None

    @classmethod
    def from_row(cls, row):
        return cls(**row)

    @property
    def resources(self):
        return Resources(self.cpu, self.ram_mb, self.disk_gb)

    @property
    def domain(self):
        return naming.domain(self.id)

    @property
    def in_transition(self):
        return self.state in TRANSITIONAL

    def state_age(self, now=None):
        """Seconds since the state was last confirmed, or None if it never was: set by a
        request, or seen unchanged by the sync's last look at its host (a VM some request
        is working on, or a failed one, is not looked at)."""
        confirmed = [t for t in (self.state_at, None if self.in_transition or
                                 self.state == "failed" else self.host_checked_at)
                     if t is not None]
        if not confirmed:
            return None
        return max(0.0, (now or clock.now()) - max(confirmed))


@dataclasses.dataclass(frozen=True, slots=True)
class Address:
    """A guest NIC's address on one of vmfabric's networks."""

    network: str
    ip: str
    mac: str
    vmid: int

    @classmethod
    def from_row(cls, row):
        return cls(**row)


@dataclasses.dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: str
    quota: dict
    created_at: float

    @property
    def is_admin(self):
        return self.role == "admin"


# a volume's states while a request works on it (it has an owner then)
VOLUME_TRANSITIONAL = frozenset({"attaching", "detaching", "deleting"})


@dataclasses.dataclass(frozen=True, slots=True)
class Volume:
    id: int
    name: str
    size_gb: int
    user_id: int | None
    state: str
    pmid: int | None
    pending_pmid: int | None
    vmid: int | None
    target: str
    owner: str | None
    error: str
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row):
        return cls(**row)

    @property
    def in_transition(self):
        return self.state in VOLUME_TRANSITIONAL
