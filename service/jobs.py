"""Work a request starts and a background thread finishes, recorded in the store.

Rediscovery runs Ansible against every host and can take minutes on a large
fleet, so the request answers 202 with a job at once and the client polls
/api/v1/jobs/{id}. A server that stops while a job runs leaves it 'running';
start-up reconciliation marks it failed.
"""

import logging
import threading

from service.errors import VmfabricError

log = logging.getLogger("vmfabric.jobs")
DISCOVER = "discover"


class Jobs:
    def __init__(self, store, fleet):
        self.store = store
        self.fleet = fleet

    def discover(self, pmids=None):
        """The discovery job for PMIDS (None: every PM): a new one, or the one already running."""
        job, new = self.store.jobs.start(DISCOVER, {"pmids": pmids})
        if new:
            threading.Thread(target=self._discover, args=(job["id"], pmids),
                             name=f"vmfabric-job-{job['id']}", daemon=True).start()
        return job

    def _discover(self, job_id, pmids):
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
            {"id": pm["id"], "state": pm["state"], "reason": pm["reason"]}
            for pm in pms if wanted is None or pm["id"] in wanted]})
