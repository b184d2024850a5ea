"""Jobs: work that continues after the request that started it has been answered.

A job is queued, then running, then succeeded or failed. It is owned by the
server process that runs it; a job whose process died is failed by the sync
loop of another. A request for work an open job already covers gets that job
(decided in one write transaction, so two processes cannot both start one).
"""


import sqlalchemy as sa

from service import clock
from service.store.schema import jobs

OPEN = ("queued", "running")
GET_JOB = sa.select(jobs).where(jobs.c.id == sa.bindparam("job_id"))
OPEN_OF_KIND = (sa.select(jobs).where(jobs.c.kind == sa.bindparam("of_kind"), jobs.c.state.in_(OPEN))
                .order_by(jobs.c.id))
UPDATE_OPEN = jobs.update().where(jobs.c.id == sa.bindparam("by_id"), jobs.c.state.in_(OPEN))


class JobRepo:
    def __init__(self, store):
        self.store = store
        self._get = store.prepare(GET_JOB)

    def start(self, kind, params, owner, covered_by=lambda open_params: True, user_id=None):
        """(job, True) for a new queued job of KIND, or (an open one that covers it, False).

        COVERED_BY(params of an open job) says whether that job does this work too.
        """
        with self.store.write() as conn:
            self.store.serialize(conn, f"jobs.{kind}")  # two servers cannot both start one
            for row in conn.execute(OPEN_OF_KIND, {"of_kind": kind}):
                if covered_by(row.params):
                    return dict(row._mapping), False
            job_id = conn.execute(jobs.insert().values(
                kind=kind, state="queued", params=params, result={}, progress={}, error="",
                owner=owner,
                user_id=user_id, created_at=clock.now())).inserted_primary_key[0]
        return self.get(job_id), True

    def get(self, job_id):
        return self._get.one({"job_id": job_id}, f"no job {job_id}")

    def recent(self, limit=10, user_id=None, before=None):
        """The newest jobs (USER_ID: only theirs; BEFORE: only older than that id)."""
        query = sa.select(jobs).order_by(jobs.c.id.desc()).limit(limit)
        if user_id is not None:
            query = query.where(jobs.c.user_id == user_id)
        if before is not None:
            query = query.where(jobs.c.id < before)
        with self.store.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def count(self, user_id=None):
        query = sa.select(sa.func.count()).select_from(jobs)
        if user_id is not None:
            query = query.where(jobs.c.user_id == user_id)
        with self.store.read() as conn:
            return conn.execute(query).scalar()

    def counts(self):
        """{state: how many jobs are in it}."""
        with self.store.read() as conn:
            return dict(conn.execute(sa.select(jobs.c.state, sa.func.count())
                                     .group_by(jobs.c.state)).all())

    def running(self, job_id):
        with self.store.write() as conn:
            conn.execute(UPDATE_OPEN, {"by_id": job_id, "state": "running"})

    def report(self, job_id, progress):
        """How far running job JOB_ID has come (PROGRESS: a dict)."""
        with self.store.write() as conn:
            conn.execute(UPDATE_OPEN, {"by_id": job_id, "progress": progress})

    def succeed(self, job_id, result):
        self._finish(job_id, state="succeeded", result=result)

    def fail(self, job_id, error):
        self._finish(job_id, state="failed", error=error[:4000])

    def _finish(self, job_id, **values):
        with self.store.write() as conn:
            conn.execute(UPDATE_OPEN, {"by_id": job_id, "finished_at": clock.now(), **values})

    def fail_orphans(self, live_owners, reason):
        """Fail every open job whose owner is not among LIVE_OWNERS; returns their ids."""
        with self.store.write() as conn:
            ids = [r.id for r in conn.execute(sa.select(jobs.c.id, jobs.c.owner)
                                              .where(jobs.c.state.in_(OPEN)))
                   if r.owner not in live_owners]
            for job_id in ids:
                conn.execute(UPDATE_OPEN, {"by_id": job_id, "state": "failed", "error": reason,
                                           "finished_at": clock.now()})
        return ids
