"""Counters into rates: what a guest or host used between two readings.

Two readings give a sample only when they are of the same running process: readings
further apart than the gap allowed (a host that did not answer, a collector restarted),
or taken on different hosts (a migrated guest runs in a new QEMU whose counters start
again), give none, so a series has a hole there and never a spike. A counter that went
back was reset (the guest's QEMU restarted): it counted from zero since.
"""

import dataclasses

# what every sample holds, in this order (history packs them so)
FIELDS = ("cpu", "steal", "mem_mb", "rss_mb", "faults", "read_bps", "write_bps",
          "read_iops", "write_iops", "rx_bps", "tx_bps")
UNITS = {"cpu": "% of its vCPUs (a host: of its CPUs)", "steal": "% of its vCPUs' time "
         "spent ready but not running (a host: of its CPUs)", "mem_mb": "MiB in use",
         "rss_mb": "MiB resident on the host", "faults": "major page faults/s",
         "read_bps": "bytes/s", "write_bps": "bytes/s", "read_iops": "requests/s",
         "write_iops": "requests/s", "rx_bps": "bytes/s", "tx_bps": "bytes/s"}
KIB_PER_MB = 1024


@dataclasses.dataclass(frozen=True, slots=True)
class Reading:
    at: float  # wall clock, when the host was asked
    pmid: int
    counters: object  # readings.VmCounters or readings.HostCounters


def increase(previous, current):
    """How much a counter grew; one that went back was reset and counted from zero since."""
    return current - previous if current >= previous else current


def _interval(previous, current, max_gap):
    if previous is None or previous.pmid != current.pmid:
        return None
    seconds = current.at - previous.at
    return seconds if 0 < seconds <= max_gap else None


def vm_sample(previous, current, max_gap):
    """A guest's sample (a tuple in FIELDS' order) between two Readings, or None."""
    seconds = _interval(previous, current, max_gap)
    if seconds is None:
        return None
    p, c = previous.counters, current.counters
    vcpu_ns = seconds * 1e9 * c.vcpus
    return (min(100.0, increase(p.cpu_ns, c.cpu_ns) / vcpu_ns * 100),
            min(100.0, increase(p.delay_ns, c.delay_ns) / vcpu_ns * 100),
            c.mem_kib / KIB_PER_MB, c.rss_kib / KIB_PER_MB,
            increase(p.major_faults, c.major_faults) / seconds,
            increase(p.read_bytes, c.read_bytes) / seconds,
            increase(p.write_bytes, c.write_bytes) / seconds,
            increase(p.read_reqs, c.read_reqs) / seconds,
            increase(p.write_reqs, c.write_reqs) / seconds,
            increase(p.rx_bytes, c.rx_bytes) / seconds,
            increase(p.tx_bytes, c.tx_bytes) / seconds)


def host_sample(previous, current, guests, max_gap):
    """A host's sample between two Readings, or None. GUESTS: [(vcpus, guest sample)] of its
    guests over the same pass: the host's steal is the share of its CPU time its guests' vCPUs
    waited; its memory its own, its I/O theirs summed."""
    seconds = _interval(previous, current, max_gap)
    if seconds is None:
        return None
    p, c = previous.counters, current.counters
    total = increase(p.total_ns, c.total_ns)
    if total <= 0:
        return None
    cpus = total / (seconds * 1e9)
    waited = sum(sample[1] / 100 * vcpus for vcpus, sample in guests)
    summed = [sum(sample[i] for _, sample in guests) for i in range(3, len(FIELDS))]
    mem = c.mem_used_kib / KIB_PER_MB if c.mem_used_kib is not None else float("nan")
    return (min(100.0, increase(p.busy_ns, c.busy_ns) / total * 100),
            min(100.0, waited / cpus * 100), mem, *summed)
