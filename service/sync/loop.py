"""The sync loop: one thread in each server's sync worker, working only while it holds the lease.

Every ``sync.heartbeat`` seconds each process tries to take (or keep) the
'sync' lease; the holder recovers orphaned work on every tick and looks at
every host every ``sync.interval`` seconds. If the holder dies, its lease is
free once it is dead, and another process's loop carries on.
"""

import concurrent.futures
import logging
import threading

from service import clock
from service.sync import hosts, work

log = logging.getLogger("vmfabric.sync")
LEASE = "sync"
# hosts looked at at once (a cold one costs an ssh handshake, ~1 s, within its own limit)
PARALLEL = 32


class SyncLoop:
    def __init__(self, config, services):
        self.services = services
        settings = config["sync"]
        self.interval = settings["interval"]
        self.tick = min(settings["heartbeat"], self.interval)
        self._stop = threading.Event()
        self._thread = None
        self._last_hosts = 0.0
        self._pool = concurrent.futures.ThreadPoolExecutor(PARALLEL, "vmfabric-sync-host")
        self._inflight = {}

    def start(self):
        self._thread = threading.Thread(target=self._run, name="vmfabric-sync", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            try:
                if self.services.store.leases.acquire(LEASE, self.services.process.id,
                                                      self.services.config["sync"]["dead_after"]):
                    self.once()
            except Exception:  # the loop must outlive any one bad pass
                log.exception("sync pass failed")
            self._stop.wait(self.tick)

    def once(self, force_hosts=False):
        """One tick: orphaned work always, the hosts when an interval has passed."""
        work.recover(self.services)
        self.services.shutdowns.check()
        if force_hosts or clock.monotonic() - self._last_hosts >= self.interval:
            self._last_hosts = clock.monotonic()
            hosts.check_all(self.services, self._pool, self._inflight)

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.tick + 5)
        try:
            self.services.store.leases.release(LEASE, self.services.process.id)
        except Exception:
            pass
        self._pool.shutdown(wait=False, cancel_futures=True)
