"""The collection loop: a thread of the sync worker, passing every ``telemetry.interval``
seconds while this process holds the sync lease (so once per installation, however many
servers share the store), with a pool of its own: a slow collection never delays the
sync of states, nor the sync it.
"""

import concurrent.futures
import logging
import threading

from service import clock
from service.sync.loop import LEASE
from service.telemetry.collect import Collector

log = logging.getLogger("vmfabric.telemetry")
PARALLEL = 32


class TelemetryLoop:
    def __init__(self, config, services):
        self.services = services
        self.interval = config["telemetry"]["interval"]
        self._pool = concurrent.futures.ThreadPoolExecutor(PARALLEL, "vmfabric-telemetry")
        self.collector = Collector(config, services.store, services.hypervisors, self._pool)
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run, name="vmfabric-telemetry", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        next_at = clock.monotonic()
        while not self._stop.wait(max(0.0, next_at - clock.monotonic())):
            next_at += self.interval
            try:
                if self.services.store.leases.holder(LEASE) == self.services.process.id:
                    self.collector.collect()
            except Exception:  # the loop must outlive any one bad pass
                log.exception("telemetry pass failed")
            if next_at < clock.monotonic():  # a pass longer than the interval: no catch-up burst
                next_at = clock.monotonic()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        self._pool.shutdown(wait=False, cancel_futures=True)
