"""/metrics in Prometheus' text format (the official prometheus_client): every guest's
latest counters under the names operators know from the libvirt exporters, each host's own,
and vmfabric's (hosts up, capacity against what is allocated, VMs and jobs by state;
request latency is service/web/latency.py's).

The counters are the ones the collector last read (kept in the store, so any server of an
installation answers a scrape alike); a series not read for a few intervals (a guest that
stopped, a host that does not answer) is left out rather than shown stale.
"""

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from service import clock
from service.telemetry import readings
from service.telemetry.collect import GAP_INTERVALS
from service.web import latency

NS = 1e9
KIB = 1024
# each counter is labelled by its domain alone (as the libvirt exporters do); what else is
# known of a guest is in libvirt_domain_info_meta, to join on: a scrape of a thousand
# guests' dozen counters stays cheap to write and to store
VM_LABELS = ["domain"]
META_LABELS = ["domain", "vmid", "name", "pmid"]
# (name, help, kind, value of VmCounters)
VM_METRICS = (
    ("libvirt_domain_info_cpu_time_seconds", "CPU time the guest used", "counter",
     lambda c: c.cpu_ns / NS),
    ("libvirt_domain_info_virtual_cpus", "vCPUs the guest has", "gauge", lambda c: c.vcpus),
    ("libvirt_domain_vcpu_delay_seconds", "Time the guest's vCPUs were ready but not "
     "running (steal), over all its vCPUs", "counter", lambda c: c.delay_ns / NS),
    ("libvirt_domain_memory_stats_used_bytes", "Memory in use as the guest sees it",
     "gauge", lambda c: c.mem_kib * KIB),
    ("libvirt_domain_memory_stats_rss_bytes", "The guest's resident memory on its host",
     "gauge", lambda c: c.rss_kib * KIB),
    ("libvirt_domain_memory_stats_major_fault", "Major page faults in the guest", "counter",
     lambda c: c.major_faults),
    ("libvirt_domain_block_stats_read_bytes", "Bytes read, all disks", "counter",
     lambda c: c.read_bytes),
    ("libvirt_domain_block_stats_write_bytes", "Bytes written, all disks", "counter",
     lambda c: c.write_bytes),
    ("libvirt_domain_block_stats_read_requests", "Read requests, all disks", "counter",
     lambda c: c.read_reqs),
    ("libvirt_domain_block_stats_write_requests", "Write requests, all disks", "counter",
     lambda c: c.write_reqs),
    ("libvirt_domain_interface_stats_receive_bytes", "Bytes received, all interfaces",
     "counter", lambda c: c.rx_bytes),
    ("libvirt_domain_interface_stats_transmit_bytes", "Bytes sent, all interfaces",
     "counter", lambda c: c.tx_bytes),
)
FAMILIES = {"counter": CounterMetricFamily, "gauge": GaugeMetricFamily}


class FleetCollector:
    """A prometheus_client collector over STORE, asked at each scrape."""

    def __init__(self, store, settings):
        self.store = store
        self.fresh_for = settings["interval"] * GAP_INTERVALS

    def collect(self):
        since = clock.now() - self.fresh_for
        rows = self.store.samples.counters(since)
        names = {vm.id: vm for vm in self.store.vms.briefs()}
        yield from self._guests([r for r in rows if r[0] == "v"], names)
        pms = self.store.pms.list()
        yield from self._hosts([r for r in rows if r[0] == "h"], pms)
        yield from _fleet(pms, names.values())
        by_state = GaugeMetricFamily("vmfabric_jobs", "Jobs by state (queued and running: "
                                     "work in flight)", labels=["state"])
        for state, count in sorted(self.store.jobs.counts().items()):
            by_state.add_metric([state], count)
        yield by_state

    def _guests(self, rows, vms):
        meta = GaugeMetricFamily("libvirt_domain_info_meta", "A guest: its vmid, name and the "
                                 "host it was last read on", labels=META_LABELS)
        families = [(FAMILIES[kind](name, text, labels=VM_LABELS), value)
                    for name, text, kind, value in VM_METRICS]
        for _, vmid, _, data in rows:
            pmid, counters = readings.unpack_counters("v", data)
            vm = vms.get(vmid)
            domain = [f"vmf-{vmid}"]
            meta.add_metric(domain + [str(vmid), vm.name if vm else "", str(pmid)], 1)
            for family, value in families:
                family.add_metric(domain, value(counters))
        yield meta
        for family, _ in families:
            yield family

    def _hosts(self, rows, pms):
        addresses = {pm.id: pm.address for pm in pms}
        busy = CounterMetricFamily("vmfabric_pm_cpu_busy_seconds",
                                   "CPU time the host spent busy (user + kernel), all CPUs",
                                   labels=["pmid", "address"])
        total = CounterMetricFamily("vmfabric_pm_cpu_seconds", "CPU time of the host, all CPUs",
                                    labels=["pmid", "address"])
        memory = GaugeMetricFamily("vmfabric_pm_memory_used_bytes", "Memory the host uses "
                                   "(total - free - buffers - cached)", labels=["pmid", "address"])
        for _, pmid, _, data in rows:
            _, counters = readings.unpack_counters("h", data)
            labels = [str(pmid), addresses.get(pmid, "")]
            busy.add_metric(labels, counters.busy_ns / NS)
            total.add_metric(labels, counters.total_ns / NS)
            if counters.mem_used_kib is not None:
                memory.add_metric(labels, counters.mem_used_kib * KIB)
        yield from (busy, total, memory)


def _fleet(pms, vms):
    up = GaugeMetricFamily("vmfabric_pm_up", "1 when the host is up", labels=["pmid", "address"])
    capacity = GaugeMetricFamily("vmfabric_pm_capacity", "What the host offers (after ratios "
                                 "and reservations)", labels=["pmid", "resource"])
    allocated = GaugeMetricFamily("vmfabric_pm_allocated", "What VMs on the host are promised",
                                  labels=["pmid", "resource"])
    for pm in pms:
        up.add_metric([str(pm.id), pm.address], 1 if pm.state == "up" else 0)
        for resource, amount in pm.capacity.as_api().items():
            capacity.add_metric([str(pm.id), resource], amount)
        for resource, amount in pm.used.as_api().items():
            allocated.add_metric([str(pm.id), resource], amount)
    states = {}
    for vm in vms:
        states[vm.state] = states.get(vm.state, 0) + 1
    by_state = GaugeMetricFamily("vmfabric_vms", "VMs by state", labels=["state"])
    for state, count in sorted(states.items()):
        by_state.add_metric([state], count)
    yield from (up, capacity, allocated, by_state)


def registry(store, settings):
    """A registry of what a scrape answers: the fleet, and the requests' latency."""
    found = CollectorRegistry(auto_describe=False)
    found.register(FleetCollector(store, settings))
    latency.register(found)
    return found
