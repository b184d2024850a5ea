"""One collection pass: every host that is up asked at once for its guests' and its own
counters (one bulk call each, bounded by the libvirt limits that exist), rates against the
previous pass, and the samples and closed coarser steps written in one transaction.

A host that does not answer in time costs the others nothing: its series miss this pass.
"""

import concurrent.futures
import logging

from service import clock
from service.errors import VmfabricError
from service.telemetry import history, rates, readings

log = logging.getLogger("vmfabric.telemetry")
# readings further apart than this many intervals give no rate (a hole, not a spike)
GAP_INTERVALS = 3
# the tier number of the one row per series holding its latest raw counters
COUNTERS_TIER = -1
# how often series of deleted VMs and removed hosts are dropped
FORGET_EVERY = 3600.0


class Collector:
    def __init__(self, config, store, hypervisors, pool):
        settings = config["telemetry"]
        self.store = store
        self.hypervisors = hypervisors
        self.pool = pool
        self.interval = settings["interval"]
        self.max_gap = self.interval * GAP_INTERVALS
        self.tiers = history.tiers_of(settings)
        self.downsampler = history.Downsampler(self.tiers)
        self.timeout = config["sync"]["host_timeout"]
        self.limit = config["libvirt"]["call_timeout"] + self.timeout + 5.0
        self.previous = {}  # ("v", vmid) or ("h", pmid) -> rates.Reading
        self._inflight = {}  # pmid -> the future of its read
        self._forgotten_at = clock.monotonic()

    def collect(self):
        """One pass; the number of rows written (samples, closed steps, latest counters)."""
        every = self.store.pms.list()
        # a host still being read from an earlier pass is not asked again (nor holds a thread
        # more): its series miss passes until it answers or its own limits give up
        self._inflight = {pmid: f for pmid, f in self._inflight.items() if not f.done()}
        pms = [pm for pm in every if pm.state == "up" and pm.id not in self._inflight]
        asked = {self.pool.submit(self._read, pm): pm for pm in pms}
        self._inflight.update({pm.id: future for future, pm in asked.items()})
        done, late = concurrent.futures.wait(asked, timeout=self.limit)
        rows, steps = [], []
        for future in done:
            pm = asked[future]
            try:
                at, host, guests = future.result()
            except VmfabricError as exc:
                log.info("usage of %s not read: %s", pm.label, exc)
                continue
            self._add_host(pm.id, at, host, guests, rows, steps)
        for future in late:
            log.info("usage of %s not read within %g s", asked[future].label, self.limit)
        self.store.samples.put(rows, steps)
        self._forget_old(every)
        return len(rows) + len(steps)

    def _read(self, pm):
        self.hypervisors.connect(pm)
        at = clock.now()
        host, guests = self.hypervisors.connections.run(
            pm, "read usage", lambda conn: readings.read_host(conn, self.interval), self.timeout)
        return at, host, guests

    def _add_host(self, pmid, at, host, guests, rows, steps):
        """What one host's answer adds to the pass (ROWS, STEPS): every series' latest
        counters, and a sample of each that has a reading to rate against (the host's made
        from its guests' samples)."""
        taken = []
        for vmid, counters in guests:
            rows.append(_counters_row("v", vmid, pmid, at, counters))
            sample = self._rate(("v", vmid), rates.Reading(at, pmid, counters), rates.vm_sample)
            if sample is not None:
                taken.append((counters.vcpus, sample))
                self._add_sample(("v", vmid), at, sample, rows, steps)
        rows.append(_counters_row("h", pmid, pmid, at, host))
        sample = self._rate(("h", pmid), rates.Reading(at, pmid, host),
                            lambda before, now, gap: rates.host_sample(before, now, taken, gap))
        if sample is not None:
            self._add_sample(("h", pmid), at, sample, rows, steps)

    def _rate(self, key, reading, rate):
        """RATE of series KEY between its previous reading and READING, which becomes its
        previous one; None when there is nothing to rate against."""
        sample = rate(self.previous.get(key), reading, self.max_gap)
        self.previous[key] = reading
        return sample

    def _add_sample(self, key, at, sample, rows, steps):
        """SAMPLE's first-tier row, and the coarser tiers' steps it closed."""
        values = history.stored(sample)
        kind, oid = key
        rows.append({"kind": kind, "oid": oid, "tier": 0, "slot": self.tiers[0].slot(at),
                     "at": at, "data": history.pack(values)})
        for tier, step_at, mean in self.downsampler.add(key, at, values):
            steps.append({"kind": kind, "oid": oid, "tier": tier,
                          "slot": self.tiers[tier].slot(step_at), "at": step_at,
                          "record": history.step_record(step_at, mean)})

    def _forget_old(self, pms):
        """Readings too old to rate against go; now and then, the series of what is gone."""
        cutoff = clock.now() - self.max_gap
        self.previous = {k: r for k, r in self.previous.items() if r.at > cutoff}
        if clock.monotonic() - self._forgotten_at >= FORGET_EVERY:
            self._forgotten_at = clock.monotonic()
            self.store.samples.forget_gone([pm.id for pm in pms])
            self.downsampler.forget(set(self.previous))


def _counters_row(kind, oid, pmid, at, counters):
    """The latest raw counters of a series, kept (one row each) for scrapers."""
    return {"kind": kind, "oid": oid, "tier": COUNTERS_TIER, "slot": 0, "at": at,
            "data": readings.pack_counters(pmid, counters)}
