"""What a VM takes and a host gives: CPU, RAM (MB) and disk (GB), the one type for all of it.

Every layer (capacity from facts, claims in the store, placement, quotas, rebalance
plans, the APIs) names the three the same way, with the arithmetic in one place.
"""

import dataclasses

GIB = 1024 ** 3
NAMES = ("cpu", "ram_mb", "disk_gb")
# the short keys of the APIs (the seed API's and /api/v1's): ram in MB, disk in GB
API_KEYS = {"cpu": "cpu", "ram_mb": "ram", "disk_gb": "disk"}
# the columns of a host's claimed amounts in the store
USED_COLUMNS = {"cpu": "used_cpu", "ram_mb": "used_ram_mb", "disk_gb": "used_disk_gb"}
UNITS = {"cpu": "CPU", "ram_mb": "MB RAM", "disk_gb": "GB disk"}


@dataclasses.dataclass(frozen=True, slots=True)
class Resources:
    """An amount of CPU, RAM (MB) and disk (GB): what a VM needs or holds, what a host has."""

    cpu: int
    ram_mb: int
    disk_gb: int

    def __add__(self, other):
        return Resources(self.cpu + other.cpu, self.ram_mb + other.ram_mb,
                         self.disk_gb + other.disk_gb)

    def __sub__(self, other):
        return Resources(self.cpu - other.cpu, self.ram_mb - other.ram_mb,
                         self.disk_gb - other.disk_gb)

    def fits_in(self, room):
        """True when this amount fits in ROOM in every resource."""
        return self.cpu <= room.cpu and self.ram_mb <= room.ram_mb and self.disk_gb <= room.disk_gb

    @property
    def vector(self):
        return (self.cpu, self.ram_mb, self.disk_gb)

    def as_dict(self):
        return {"cpu": self.cpu, "ram_mb": self.ram_mb, "disk_gb": self.disk_gb}

    def as_api(self):
        """The shape of the APIs: ram in MB and disk in GB under short keys."""
        return {API_KEYS[name]: value for name, value in self.as_dict().items()}

    @classmethod
    def of(cls, mapping):
        """The amount in MAPPING ({cpu, ram_mb, disk_gb}; a missing one is 0)."""
        return cls(*(int(mapping.get(name, 0)) for name in NAMES))
