"""Jobs: work that continues after the request that started it has been answered.

At most one job of a kind runs at a time, across every server process: a
second request for the same work gets the job already running (decided in
one write transaction, so two processes cannot both start one).
"""

import time

import sqlalchemy as sa

from service.store.schema import jobs

GET_JOB = sa.select(jobs).where(jobs.c.id == sa.bindparam("job_id"))
RUNNING_OF_KIND = (sa.select(jobs).where(jobs.c.kind == sa.bindparam("of_kind"),
                                         jobs.c.state == "running")
                   .order_by(jobs.c.id).limit(1))
UPDATE_JOB = jobs.update().where(jobs.c.id == sa.bindparam("by_id"), jobs.c.state == "running")


class JobRepo:
    def __init__(self, store):
        self.store = store
        self._get = store.prepare(GET_JOB)

    def start(self, kind, params):
        """(job, True) for a new running job of KIND, or (the one already running, False)."""
        with self.store.write() as conn:
            running = conn.execute(RUNNING_OF_KIND, {"of_kind": kind}).first()
            if running is not None:
                return dict(running._mapping), False
            job_id = conn.execute(jobs.insert().values(
                kind=kind, state="running", params=params, result={}, error="",
                created_at=time.time())).inserted_primary_key[0]
        return self.get(job_id), True

    def get(self, job_id):
        return self._get.one({"job_id": job_id}, f"no job {job_id}")

    def succeed(self, job_id, result):
        self._finish(job_id, state="succeeded", result=result)

    def fail(self, job_id, error):
        self._finish(job_id, state="failed", error=error[:4000])

    def _finish(self, job_id, **values):
        with self.store.write() as conn:
            conn.execute(UPDATE_JOB, {"by_id": job_id, "finished_at": time.time(), **values})

    def interrupt_running(self, reason):
        """Mark every running job failed with REASON (the server that ran it is gone)."""
        with self.store.write() as conn:
            ids = [r.id for r in conn.execute(sa.select(jobs.c.id).where(jobs.c.state == "running"))]
            for job_id in ids:
                conn.execute(UPDATE_JOB, {"by_id": job_id, "state": "failed", "error": reason,
                                          "finished_at": time.time()})
        return ids
