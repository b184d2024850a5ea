"""The audit trail: one row per state-changing call (like Nova's instance actions)."""


import sqlalchemy as sa

from service import clock
from service.store.schema import events

MAX_OUTCOME = 1000


class EventRepo:
    def __init__(self, store):
        self.store = store

    def record(self, *, user_id, username, action, target, request_id, status, outcome):
        with self.store.write() as conn:
            conn.execute(events.insert().values(
                at=clock.now(), user_id=user_id, username=username, action=action[:64],
                target=target[:128], request_id=request_id[:128], status=status,
                outcome=outcome[:MAX_OUTCOME]))

    def list(self, user_id=None, username=None, action=None, target=None, since=None,
             limit=100, before=None):
        """Newest first; USER_ID limits to one user's (a member sees only theirs)."""
        query = _matching(sa.select(events).order_by(events.c.id.desc()).limit(limit),
                          user_id, username, action, target)
        if since is not None:
            query = query.where(events.c.at >= since)
        if before is not None:
            query = query.where(events.c.id < before)
        with self.store.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def count(self, user_id=None, username=None, action=None, target=None):
        """How many events list() would find with these filters, every page together."""
        query = _matching(sa.select(sa.func.count()).select_from(events), user_id, username,
                          action, target)
        with self.store.read() as conn:
            return conn.execute(query).scalar()


def _matching(query, user_id, username, action, target):
    for column, value in ((events.c.user_id, user_id), (events.c.username, username),
                          (events.c.action, action), (events.c.target, target)):
        if value is not None:
            query = query.where(column == value)
    return query
