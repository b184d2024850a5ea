"""Schema upgrades that keep data: Alembic migrations, run at start-up or by `vmfabric db upgrade`.

Every process that opens the store brings it to the newest revision first.
Several processes may start at once (gunicorn workers, several servers on
one database), so the upgrade runs under a lock: a file lock beside a SQLite
database, a transaction-scoped advisory lock on PostgreSQL. A store made
before migrations existed (release 0.1.0 created its tables directly) is
recognised and recorded as revision 0001 before upgrading.
"""

import contextlib
import fcntl
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

REVISIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "revisions")
FIRST = "0001"
# any fixed number: the key of PostgreSQL's advisory lock for upgrades
PG_LOCK_KEY = 0x766D666D


def alembic_config(connection=None):
    config = Config()
    config.set_main_option("script_location", REVISIONS)
    config.attributes["connection"] = connection
    return config


def head():
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(connection):
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine, revision="head"):
    """Bring the store at ENGINE to REVISION; returns (revision before, revision after)."""
    target = head() if revision == "head" else revision
    with _file_lock(engine), engine.connect() as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
            before = current(conn)
            if before is None and "pms" in sa.inspect(conn).get_table_names():
                command.stamp(alembic_config(conn), FIRST)
                before = FIRST
            if before != target:
                command.upgrade(alembic_config(conn), target)
        return before, current(conn)


@contextlib.contextmanager
def _file_lock(engine):
    """Serialise upgrades of one SQLite file across processes (a no-op elsewhere)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(os.path.abspath(database) + ".migrate-lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
