"""Counters into rates: a busy interval, a reset, a gap, a migration, a host's steal."""

import math

from service.telemetry import rates
from service.telemetry.readings import HostCounters, VmCounters, host_counters, vm_counters

SECOND = 1_000_000_000


def guest(cpu_s, delay_s=0.0, vcpus=2, read=0, rx=0):
    return VmCounters(cpu_ns=int(cpu_s * SECOND), delay_ns=int(delay_s * SECOND), vcpus=vcpus,
                      mem_kib=512 * 1024, rss_kib=600 * 1024, major_faults=0, read_bytes=read,
                      write_bytes=0, read_reqs=read // 4096, write_reqs=0, rx_bytes=rx,
                      tx_bytes=0)


def at(t, counters, pmid=1):
    return rates.Reading(t, pmid, counters)


def test_cpu_and_steal_are_shares_of_the_vcpus_time():
    sample = rates.vm_sample(at(100, guest(50)), at(110, guest(60, delay_s=5, read=40960)), 30)
    assert sample[0] == 50.0  # 10 s of CPU over 10 s of 2 vCPUs
    assert sample[1] == 25.0  # 5 s ready but not running, of 20 vCPU-seconds
    assert sample[2] == 512.0 and sample[3] == 600.0
    assert sample[5] == 4096.0 and sample[7] == 1.0  # bytes/s, requests/s


def test_a_counter_that_went_back_counted_from_zero():
    """A guest restarted on its host (a new QEMU): what it counted since is the increase."""
    sample = rates.vm_sample(at(100, guest(5000)), at(110, guest(4)), 30)
    assert sample[0] == 20.0


def test_no_rate_across_a_gap_a_migration_or_a_first_reading():
    assert rates.vm_sample(None, at(110, guest(60)), 30) is None
    assert rates.vm_sample(at(100, guest(50)), at(140, guest(60)), 30) is None
    assert rates.vm_sample(at(100, guest(50), pmid=1), at(110, guest(1), pmid=2), 30) is None
    assert rates.vm_sample(at(110, guest(50)), at(110, guest(60)), 30) is None


def test_cpu_never_reads_above_every_vcpu_busy():
    assert rates.vm_sample(at(100, guest(0)), at(110, guest(100)), 30)[0] == 100.0


def test_a_hosts_steal_is_its_guests_wait_over_its_cpus():
    """2 host CPUs; a 2-vCPU guest waiting 50 % of its time = 1 CPU of 2 = 50 %."""
    before = HostCounters(busy_ns=0, total_ns=0, mem_used_kib=None)
    after = HostCounters(busy_ns=15 * SECOND, total_ns=20 * SECOND,
                         mem_used_kib=2048 * 1024)
    guest_sample = rates.vm_sample(at(100, guest(0)), at(110, guest(5, delay_s=10)), 30)
    sample = rates.host_sample(at(100, before), at(110, after), [(2, guest_sample)], 30)
    assert sample[0] == 75.0 and sample[1] == 50.0 and sample[2] == 2048.0
    assert sample[3] == guest_sample[3]  # its guests' resident memory, summed
    unknown = rates.host_sample(at(100, before), at(110, HostCounters(1, 2, None)), [], 30)
    assert math.isnan(unknown[2])


def test_libvirts_stats_are_read_into_counters():
    values = {"cpu.time": 7 * SECOND, "vcpu.current": 2, "vcpu.maximum": 4,
              "vcpu.0.delay": SECOND, "vcpu.1.delay": 2 * SECOND, "balloon.current": 524288,
              "balloon.available": 1048576, "balloon.usable": 786432, "balloon.rss": 900000, "balloon.major_fault": 3,
              "block.count": 2, "block.0.rd.bytes": 10, "block.1.rd.bytes": 5,
              "block.0.wr.reqs": 2, "net.count": 1, "net.0.rx.bytes": 99, "net.0.tx.bytes": 1}
    counters = vm_counters(values)
    assert (counters.cpu_ns, counters.delay_ns, counters.vcpus) == (7 * SECOND, 3 * SECOND, 2)
    assert counters.mem_kib == 262144 and counters.rss_kib == 900000
    assert (counters.read_bytes, counters.write_reqs, counters.rx_bytes) == (15, 2, 99)
    assert vm_counters({"state.state": 5}) is None  # a domain that is not running
    no_balloon = vm_counters({"cpu.time": 1, "balloon.rss": 4096})
    assert no_balloon.mem_kib == 4096 and no_balloon.vcpus == 1
    host = host_counters({"user": 3, "kernel": 2, "idle": 10, "iowait": 1},
                         {"total": 100, "free": 40, "buffers": 10, "cached": 20})
    assert (host.busy_ns, host.total_ns, host.mem_used_kib) == (5, 16, 30)
