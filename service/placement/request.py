"""A placement request that also says how much CPU the VM is expected to use."""

import dataclasses

from service.resources import Resources


@dataclasses.dataclass(frozen=True, slots=True)
class UsageRequest(Resources):
    """CPU, RAM and disk to allocate, and EXPECTED_CORES the VM will keep busy (its estimate,
    service/usage/demand.py), which usage-aware placement packs by."""

    expected_cores: float = 0.0

    @classmethod
    def of(cls, resources, expected_cores):
        return cls(resources.cpu, resources.ram_mb, resources.disk_gb, float(expected_cores))
