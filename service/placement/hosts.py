"""HostTable: the hosts as columns of numbers, so constraints and policies run vectorised.

Rows are kept in pmid order. ``free`` and ``cap`` are arrays of shape (3, n)
(cpu, ram_mb, disk_gb), each resource contiguous in memory, so a constraint over
100,000 hosts is a handful of SIMD comparisons rather than a Python loop.
"""

import numpy as np


class HostTable:
    def __init__(self, ids, cap, used, up):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.cap = np.ascontiguousarray(np.asarray(cap, dtype=np.int64).reshape(3, -1))
        self.free = np.ascontiguousarray(self.cap - np.asarray(used, dtype=np.int64).reshape(3, -1))
        self.up = np.asarray(up, dtype=bool)
        # what usage-aware placement adds (with_use): cores expected busy, and the ceiling
        self.use = self.use_cap = None
        # 1/capacity, so normalising a leftover is a multiply (0 where capacity is 0)
        with np.errstate(divide="ignore"):
            self.inv_cap = np.where(self.cap > 0, 1.0 / np.maximum(self.cap, 1), 0.0)

    def __len__(self):
        return len(self.ids)

    def with_use(self, use, use_cap):
        """This table carrying each host's expected use and its ceiling (cores)."""
        self.use = np.asarray(use, dtype=np.float64).copy()
        self.use_cap = np.asarray(use_cap, dtype=np.float64)
        return self

    @classmethod
    def from_pms(cls, pms):
        """The table of PMS (store records)."""
        cap = [[pm.cpu for pm in pms], [pm.ram_mb for pm in pms], [pm.disk_gb for pm in pms]]
        used = [[pm.used_cpu for pm in pms], [pm.used_ram_mb for pm in pms],
                [pm.used_disk_gb for pm in pms]]
        return cls(ids=[pm.id for pm in pms], cap=cap, used=used, up=[pm.takes_vms for pm in pms])

    @classmethod
    def uniform(cls, n, size):
        """N identical empty hosts of SIZE (cpu, ram_mb, disk_gb), pmids 1..N."""
        cap = np.repeat(np.asarray(size, dtype=np.int64).reshape(3, 1), n, axis=1)
        return cls(ids=np.arange(1, n + 1), cap=cap, used=np.zeros_like(cap),
                   up=np.ones(n, dtype=bool))

    # the in-memory claim operations of `vmfabric simulate`
    def claim(self, i, vector):
        free = self.free[:, i]
        if not self.up[i] or (free[0] < vector[0]) or (free[1] < vector[1]) or (free[2] < vector[2]):
            return False
        self.free[0, i] -= vector[0]
        self.free[1, i] -= vector[1]
        self.free[2, i] -= vector[2]
        return True

    def release(self, i, vector):
        self.free[0, i] += vector[0]
        self.free[1, i] += vector[1]
        self.free[2, i] += vector[2]
