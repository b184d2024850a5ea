"""Work a request starts and a background thread finishes, recorded in the store.

Discovery runs Ansible against hosts and can take minutes on a large fleet,
so the request answers 202 with a job at once and the client polls
/api/v1/jobs/{id}. One discovery runs at a time across every server process
(the 'discovery' lease): a request that an open job already covers gets that
job; any other is queued and starts when the one before it ends. A job whose
process dies is failed by the sync loop of another (service/sync/work.py).
"""

import logging
import threading
import time

from service.errors import VmfabricError

log = logging.getLogger("vmfabric.jobs")
DISCOVER = "discover"
LEASE = "discovery"
POLL = 0.5


class Jobs:
    def __init__(self, store, fleet, process, config):
        self.store = store
        self.fleet = fleet
        self.process = process
        self.dead_after = config["sync"]["dead_after"]
        # the longest a queued discovery waits for the ones before it
        self.max_wait = 3 * config["discovery"]["timeout"]
        self._one_here = threading.Lock()

    def discover(self, pmids=None):
        """The discovery job for PMIDS (None: every PM): a new one, or an open one that covers it."""
        wanted = set(pmids) if pmids else None

        def covered_by(params):
            theirs = params.get("pmids")
            return theirs is None or (wanted is not None and wanted <= set(theirs))

        job, new = self.store.jobs.start(DISCOVER, {"pmids": pmids}, self.process.id, covered_by)
        if new:
            threading.Thread(target=self._discover, args=(job["id"], pmids),
                             name=f"vmfabric-job-{job['id']}", daemon=True).start()
        return job

    def _discover(self, job_id, pmids):
        deadline = time.monotonic() + self.max_wait
        if not self._one_here.acquire(timeout=self.max_wait):
            self.store.jobs.fail(job_id, "gave up waiting for the discoveries queued before it")
            return
        try:
            while not self.store.leases.acquire(LEASE, self.process.id, self.dead_after):
                if time.monotonic() > deadline:
                    self.store.jobs.fail(job_id, "gave up waiting for the discovery running "
                                                 "on another server")
                    return
                time.sleep(POLL)
            try:
                self.store.jobs.running(job_id)
                self._run(job_id, pmids)
            finally:
                self.store.leases.release(LEASE, self.process.id)
        finally:
            self._one_here.release()

    def _run(self, job_id, pmids):
        try:
            pms = self.fleet.discover(pmids)
        except VmfabricError as exc:
            self.store.jobs.fail(job_id, str(exc))
            return
        except Exception as exc:  # nobody above this thread would see it: record it
            log.exception("job %s: discovery crashed", job_id)
            self.store.jobs.fail(job_id, f"internal error: {exc.__class__.__name__}: {exc}")
            return
        wanted = set(pmids) if pmids else None
        self.store.jobs.succeed(job_id, {"pms": [
            {"id": pm.id, "state": pm.state, "reason": pm.reason}
            for pm in pms if wanted is None or pm.id in wanted]})
