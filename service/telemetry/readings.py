"""Counters as libvirt reports them, one reading per guest and per host per pass.

A guest's counters come from one bulk ``getAllDomainStats`` call per host (the groups
in GROUPS); the host's from its node CPU and memory statistics in the same round trip.
"""

import dataclasses
import struct

import libvirt

from service import clock

from service.naming import OWNED

GROUPS = (libvirt.VIR_DOMAIN_STATS_CPU_TOTAL | libvirt.VIR_DOMAIN_STATS_VCPU
          | libvirt.VIR_DOMAIN_STATS_BALLOON | libvirt.VIR_DOMAIN_STATS_INTERFACE
          | libvirt.VIR_DOMAIN_STATS_BLOCK)


@dataclasses.dataclass(frozen=True, slots=True)
class VmCounters:
    """A guest's cumulative counters (ns, bytes, requests) and its current memory (KiB)."""

    cpu_ns: int
    delay_ns: int  # vCPU threads runnable but not running: what the guest sees as steal
    vcpus: int
    mem_kib: int  # in use as the guest sees it (balloon available - usable), or its RSS
    rss_kib: int
    major_faults: int
    read_bytes: int
    write_bytes: int
    read_reqs: int
    write_reqs: int
    rx_bytes: int
    tx_bytes: int


@dataclasses.dataclass(frozen=True, slots=True)
class HostCounters:
    busy_ns: int  # user + kernel over every CPU
    total_ns: int  # busy + idle + iowait
    mem_used_kib: int | None  # total - free - buffers - cached (None: not reported)


# the latest counters as kept for scraping (Prometheus wants counters, not rates): the host
# they were read on first, then each field; a host's unknown memory as -1
VM_PACKED = struct.Struct(f"<q{len(dataclasses.fields(VmCounters))}q")
HOST_PACKED = struct.Struct(f"<q{len(dataclasses.fields(HostCounters))}q")


def pack_counters(pmid, counters):
    if isinstance(counters, VmCounters):
        return VM_PACKED.pack(pmid, *dataclasses.astuple(counters))
    values = dataclasses.astuple(counters)
    return HOST_PACKED.pack(pmid, *values[:-1], -1 if values[-1] is None else values[-1])


def unpack_counters(kind, data):
    """(pmid, VmCounters or HostCounters) of what pack_counters made; KIND 'v' or 'h'."""
    if kind == "v":
        pmid, *values = VM_PACKED.unpack(data)
        return pmid, VmCounters(*values)
    pmid, *values = HOST_PACKED.unpack(data)
    return pmid, HostCounters(*values[:-1], None if values[-1] < 0 else values[-1])


def vmid_of(domain_name):
    """The VM id of one of vmfabric's domain names, or None (a domain not ours)."""
    match = OWNED.match(domain_name)
    return int(match.group(1)) if match and match.group(2) is None else None


def _summed(values, group, field):
    return sum(values.get(f"{group}.{n}.{field}", 0) for n in range(values.get(f"{group}.count", 0)))


def vm_counters(values):
    """VmCounters from one domain's getAllDomainStats VALUES, or None when it reported no CPU
    time (a domain that is not running)."""
    if "cpu.time" not in values:
        return None
    vcpus = values.get("vcpu.current") or values.get("vcpu.maximum") or 1
    delay = sum(values.get(f"vcpu.{n}.delay", 0) for n in range(values.get("vcpu.maximum", vcpus)))
    rss = values.get("balloon.rss", 0)
    # the guest's own view (its balloon driver's statistics): MemTotal - MemAvailable
    total, usable = values.get("balloon.available"), values.get("balloon.usable")
    used = total - usable if total is not None and usable is not None else rss
    return VmCounters(
        cpu_ns=values["cpu.time"], delay_ns=delay, vcpus=vcpus, mem_kib=max(0, used),
        rss_kib=rss, major_faults=values.get("balloon.major_fault", 0),
        read_bytes=_summed(values, "block", "rd.bytes"),
        write_bytes=_summed(values, "block", "wr.bytes"),
        read_reqs=_summed(values, "block", "rd.reqs"),
        write_reqs=_summed(values, "block", "wr.reqs"),
        rx_bytes=_summed(values, "net", "rx.bytes"), tx_bytes=_summed(values, "net", "tx.bytes"))


def _poll_balloon(dom, period):
    try:
        dom.setMemoryStatsPeriod(int(period), libvirt.VIR_DOMAIN_AFFECT_LIVE)
    except libvirt.libvirtError:
        pass  # (a guest without a balloon driver: its RSS stands for its memory)


def host_counters(cpu, memory):
    """HostCounters from getCPUStats(ALL_CPUS) and getMemoryStats(ALL_CELLS) (or None)."""
    busy = cpu.get("user", 0) + cpu.get("kernel", 0)
    used = None
    if memory:
        used = memory.get("total", 0) - memory.get("free", 0) - memory.get("buffers", 0) \
            - memory.get("cached", 0)
    return HostCounters(busy_ns=busy, total_ns=busy + cpu.get("idle", 0) + cpu.get("iowait", 0),
                        mem_used_kib=used)


def read_host(conn, period):
    """(host counters, [(vmid, VmCounters)]) of the host behind libvirt connection CONN.

    A guest's memory statistics are only as fresh as its balloon's polling: a guest of
    ours whose statistics are older than a few PERIODs (one made without polling, or by an
    earlier release) is asked to report every PERIOD seconds from now on."""
    stats = conn.getAllDomainStats(GROUPS, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)
    guests = []
    now = clock.now()
    for dom, values in stats:
        vmid = vmid_of(dom.name())
        counters = vm_counters(values) if vmid is not None else None
        if counters is not None:
            guests.append((vmid, counters))
            if now - values.get("balloon.last-update", 0) > 3 * period:
                _poll_balloon(dom, period)
    try:
        memory = conn.getMemoryStats(libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS)
    except libvirt.libvirtError:
        memory = None  # (a driver that keeps no node memory statistics)
    return host_counters(conn.getCPUStats(libvirt.VIR_NODE_CPU_STATS_ALL_CPUS), memory), guests
