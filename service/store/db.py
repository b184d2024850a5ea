"""The store's engine: SQLite in WAL mode by default, any SQLAlchemy URL otherwise."""

import contextlib
import os

import sqlalchemy as sa

from service.store import schema, upgrade
from service.store.addresses import AddressRepo
from service.store.catalog import Catalog
from service.store.clusters import ClusterRepo
from service.store.events import EventRepo
from service.store.jobs import JobRepo
from service.store.leases import LeaseRepo, ProcessRepo
from service.store.moves import MoveRepo
from service.store.observations import ObservationRepo
from service.store.pms import PmRepo
from service.store.prepared import PreparedRead, ReadConnections
from service.store.resizes import ResizeRepo
from service.store.samples import SampleRepo
from service.store.snapshots import SnapshotRepo
from service.store.users import UserRepo
from service.store.volumes import VolumeRepo
from service.store.vms import VmRepo


def _sqlite_tuning(engine):
    """WAL, a busy timeout, and BEGIN IMMEDIATE for writes (no upgrade deadlocks)."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        options = conn.get_execution_options()
        if options.get("vmfabric_read"):
            return  # one SELECT is atomic on its own: no BEGIN/COMMIT round for reads
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("vmfabric_write") else "BEGIN")


KV_VALUE = sa.select(schema.kv.c.value).where(schema.kv.c.key == sa.bindparam("key"))
KV_UPDATE = schema.kv.update().where(schema.kv.c.key == sa.bindparam("by_key"))
KV_INSERT = schema.kv.insert()


class Store:
    def __init__(self, url):
        self.url = url
        if url.startswith("sqlite:///"):
            path = url[len("sqlite:///"):]
            if path and path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self.engine = sa.create_engine(url, pool_size=32, max_overflow=32,
                                           connect_args={"check_same_thread": False,
                                                         "timeout": 30})
            _sqlite_tuning(self.engine)
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        upgrade.upgrade(self.engine)
        self._read_connections = ReadConnections(self.engine)
        self._kv_value = self.prepare(KV_VALUE)
        self._kv_prefixed = {}
        self.pms = PmRepo(self)
        self.vms = VmRepo(self)
        self.catalog = Catalog(self)
        self.jobs = JobRepo(self)
        self.processes = ProcessRepo(self)
        self.leases = LeaseRepo(self)
        self.addresses = AddressRepo(self)
        self.clusters = ClusterRepo(self)
        self.users = UserRepo(self)
        self.events = EventRepo(self)
        self.volumes = VolumeRepo(self)
        self.moves = MoveRepo(self)
        self.resizes = ResizeRepo(self)
        self.observations = ObservationRepo(self)
        self.snapshots = SnapshotRepo(self)
        self.samples = SampleRepo(self)

    @contextlib.contextmanager
    def write(self):
        """A write transaction (BEGIN IMMEDIATE on SQLite)."""
        with self.engine.connect().execution_options(vmfabric_write=True) as conn:
            with conn.begin():
                yield conn

    def serialize(self, conn, key):
        """Inside write transaction CONN: wait until no other transaction serialized on KEY is
        open, for a check-then-insert no constraint guards (PostgreSQL: a transaction-level
        advisory lock; SQLite's writers are one at a time already)."""
        if self.engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

    def prepare(self, statement):
        """STATEMENT (one SELECT) ready to run many times without Core's per-call cost."""
        return PreparedRead(statement, self._read_connections)

    @contextlib.contextmanager
    def read(self):
        """A connection for reads; on SQLite each statement stands alone (autocommit)."""
        with self.engine.connect().execution_options(vmfabric_read=True) as conn:
            yield conn

    # ---- shared key/value state ------------------------------------------
    def get_kv(self, key, default=None, conn=None):
        if conn is not None:
            value = conn.execute(KV_VALUE, {"key": key}).scalar()
        else:
            values = self._kv_value.column({"key": key})
            value = values[0] if values else None
        return default if value is None else value

    def set_kv(self, key, value, conn=None):
        if conn is None:
            with self.write() as c:
                return self.set_kv(key, value, conn=c)
        updated = conn.execute(KV_UPDATE, {"by_key": key, "value": str(value)})
        if updated.rowcount == 0:
            conn.execute(KV_INSERT, {"key": key, "value": str(value)})

    def kv_items(self, prefix):
        """Every key starting with PREFIX (a constant of the caller's; prepared once each)."""
        prepared = self._kv_prefixed.get(prefix)
        if prepared is None:
            prepared = self._kv_prefixed[prefix] = self.prepare(
                sa.select(schema.kv.c.key, schema.kv.c.value)
                .where(schema.kv.c.key.startswith(prefix, autoescape=True)))
        return dict(prepared.rows())

    def dispose(self):
        self._read_connections.dispose()
        self.engine.dispose()
