"""Work a request starts and a background thread finishes, recorded in the store.

Discovery runs Ansible against hosts and can take minutes on a large fleet,
and a program run across a cluster's nodes takes as long as the program, so
the request answers 202 with a job at once and the client polls
/api/v1/jobs/{id}. A request that an open job already covers gets that job.
Work that must not overlap (discovery) holds a lease in the store while it
runs, so one runs at a time across every server process; the others wait
their turn, queued. A job whose process dies is failed by the sync loop of
another (service/sync/work.py).
"""

import collections
import functools
import logging
import threading
import time

from service import clock
from service.errors import VmfabricError

log = logging.getLogger("vmfabric.jobs")
DISCOVER = "discover"
POLL = 0.5


class Jobs:
    def __init__(self, store, fleet, process, config):
        self.store = store
        self.fleet = fleet
        self.process = process
        self.dead_after = config["sync"]["dead_after"]
        # the longest a queued job waits for the ones before it
        self.max_wait = 3 * config["discovery"]["timeout"]
        self._here = collections.defaultdict(threading.Lock)

    def run(self, kind, params, work, covered_by=None, lease=None, user_id=None,
            reports=False):
        """A job of KIND doing WORK() (which returns the job's result dict) in the background.

        COVERED_BY(params of an open job of KIND) says whether that job already does this
        work (then it is returned instead); LEASE names work that runs one at a time.
        REPORTS: WORK is called with a function that records how far it has come (a dict:
        the job's ``progress``).
        """
        job, new = self.store.jobs.start(kind, params, self.process.id,
                                         covered_by or (lambda _params: False), user_id)
        if new:
            if reports:
                work = functools.partial(work, lambda progress, job_id=job["id"]:
                                         self.store.jobs.report(job_id, progress))
            threading.Thread(target=self._run, args=(job["id"], work, lease),
                             name=f"vmfabric-job-{job['id']}", daemon=True).start()
        return job

    def discover(self, pmids=None, user_id=None):
        """The discovery job for PMIDS (None: every PM): a new one, or an open one that covers it."""
        wanted = set(pmids) if pmids else None

        def covered_by(params):
            theirs = params.get("pmids")
            return theirs is None or (wanted is not None and wanted <= set(theirs))

        def work():
            pms = self.fleet.discover(pmids)
            return {"pms": [{"id": pm.id, "state": pm.state, "reason": pm.reason}
                            for pm in pms if wanted is None or pm.id in wanted]}

        return self.run(DISCOVER, {"pmids": pmids}, work, covered_by, lease="discovery",
                        user_id=user_id)

    def _run(self, job_id, work, lease):
        if lease is None:
            return self._do(job_id, work)
        local = self._here[lease]
        if not local.acquire(timeout=self.max_wait):
            self.store.jobs.fail(job_id, "gave up waiting for the jobs queued before it")
            return
        try:
            deadline = clock.monotonic() + self.max_wait
            while not self.store.leases.acquire(lease, self.process.id, self.dead_after):
                if clock.monotonic() > deadline:
                    self.store.jobs.fail(job_id, "gave up waiting for the job running on "
                                                 "another server")
                    return
                time.sleep(POLL)
            try:
                self._do(job_id, work)
            finally:
                self.store.leases.release(lease, self.process.id)
        finally:
            local.release()

    def _do(self, job_id, work):
        self.store.jobs.running(job_id)
        try:
            result = work()
        except VmfabricError as exc:
            self.store.jobs.fail(job_id, str(exc))
            return
        except Exception as exc:  # nobody above this thread would see it: record it
            log.exception("job %s crashed", job_id)
            self.store.jobs.fail(job_id, f"internal error: {exc.__class__.__name__}: {exc}")
            return
        self.store.jobs.succeed(job_id, result)
