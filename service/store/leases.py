"""Server processes with heartbeats, and named leases held by one live process at a time.

Work in flight (a create, a destroy, a job) records the process that does it.
Each process beats a heartbeat into the store; one that stops beating (killed,
host gone) is dead after ``dead_after`` seconds, and its work and leases are
taken over by another. A lease (the sync loop, discovery) is free when nobody
holds it or its holder is dead; taking it is one guarded UPDATE, so two
processes, on one machine or several, never both hold it.
"""


import sqlalchemy as sa

from service import clock
from service.store.schema import leases, processes

BEAT = processes.update().where(processes.c.id == sa.bindparam("by_id"))
LIVE_IDS = sa.select(processes.c.id).where(processes.c.heartbeat_at >= sa.bindparam("cutoff"))
LIVE = sa.select(processes.c.id, processes.c.hostname, processes.c.pid).where(
    processes.c.heartbeat_at >= sa.bindparam("cutoff"))
ACQUIRE = (leases.update()
           .where(leases.c.name == sa.bindparam("by_name"),
                  sa.or_(leases.c.owner.is_(None), leases.c.owner == sa.bindparam("me"),
                         leases.c.owner.not_in(LIVE_IDS.scalar_subquery())))
           .values(owner=sa.bindparam("me"), acquired_at=sa.bindparam("now")))
RELEASE = (leases.update()
           .where(leases.c.name == sa.bindparam("by_name"), leases.c.owner == sa.bindparam("me"))
           .values(owner=None))
HOLDER = sa.select(leases.c.owner).where(leases.c.name == sa.bindparam("by_name"))


class ProcessRepo:
    def __init__(self, store):
        self.store = store

    def register(self, process_id, hostname, pid):
        now = clock.now()
        with self.store.write() as conn:
            conn.execute(processes.insert().values(id=process_id, hostname=hostname, pid=pid,
                                                   started_at=now, heartbeat_at=now))

    def beat(self, process_id):
        """Record that PROCESS_ID is alive; False if its row is gone (then register again)."""
        with self.store.write() as conn:
            return conn.execute(BEAT, {"by_id": process_id, "heartbeat_at": clock.now()}).rowcount == 1

    def live(self, dead_after):
        """(id, hostname, pid) of the processes that beat within the last DEAD_AFTER seconds."""
        with self.store.read() as conn:
            return [tuple(row) for row in conn.execute(LIVE, {"cutoff": clock.now() - dead_after})]

    def forget(self, process_id):
        with self.store.write() as conn:
            conn.execute(processes.delete().where(processes.c.id == process_id))


class LeaseRepo:
    def __init__(self, store):
        self.store = store

    def acquire(self, name, owner, dead_after):
        """Take lease NAME for OWNER if it is free (or held by a dead process); True if held now."""
        params = {"by_name": name, "me": owner, "now": clock.now(),
                  "cutoff": clock.now() - dead_after}
        for _ in range(2):
            with self.store.write() as conn:
                if conn.execute(ACQUIRE, params).rowcount == 1:
                    return True
                if conn.execute(HOLDER, {"by_name": name}).first() is not None:
                    return False
            try:
                with self.store.write() as conn:
                    conn.execute(leases.insert().values(name=name, owner=owner,
                                                        acquired_at=params["now"]))
                return True
            except sa.exc.IntegrityError:
                continue  # another process made the row first: try the guarded update again
        return False

    def release(self, name, owner):
        with self.store.write() as conn:
            conn.execute(RELEASE, {"by_name": name, "me": owner})

    def holder(self, name):
        with self.store.read() as conn:
            row = conn.execute(HOLDER, {"by_name": name}).first()
        return row.owner if row else None
