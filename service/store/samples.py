"""Telemetry's rings (the samples table): a pass's samples written in one transaction,
series read back by tier and time."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from service.store.schema import metadata, vms

# telemetry (service/telemetry/history.py): one row per slot of each tier's ring, per VM
# ('v') or host ('h'), its values packed (48 bytes); rewritten in place, never grown
samples = sa.Table(
    "samples", metadata,
    sa.Column("kind", sa.String(1), primary_key=True),
    sa.Column("oid", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("tier", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)


SERIES = (sa.select(samples.c.at, samples.c.data)
          .where(samples.c.kind == sa.bindparam("kind"), samples.c.oid == sa.bindparam("oid"),
                 samples.c.tier == sa.bindparam("tier"), samples.c.at > sa.bindparam("since"))
          .order_by(samples.c.at))
RECENT = (sa.select(samples.c.oid, samples.c.at, samples.c.data)
          .where(samples.c.kind == sa.bindparam("kind"), samples.c.tier == 0,
                 samples.c.at > sa.bindparam("since")))
# the one row per series its collector keeps with its latest raw counters (tier -1)
COUNTERS = (sa.select(samples.c.kind, samples.c.oid, samples.c.at, samples.c.data)
            .where(samples.c.tier == -1, samples.c.at > sa.bindparam("since")))


class SampleRepo:
    def __init__(self, store):
        self.store = store
        dialect = store.engine.dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(samples)
        # a slot is rewritten in place each time its ring comes round
        self._put = insert.on_conflict_do_update(
            index_elements=["kind", "oid", "tier", "slot"],
            set_={"at": insert.excluded.at, "data": insert.excluded.data})
        self._series = store.prepare(SERIES)
        self._recent = store.prepare(RECENT)
        self._counters = store.prepare(COUNTERS)

    def put(self, rows):
        """ROWS: [{kind, oid, tier, slot, at, data}], in one transaction."""
        if rows:
            with self.store.write() as conn:
                conn.execute(self._put, rows)

    def series(self, kind, oid, tier, since):
        """[(at, packed data)] of one series' TIER after SINCE, oldest first."""
        return [tuple(row) for row in self._series.rows(
            {"kind": kind, "oid": oid, "tier": tier, "since": since})]

    def latest(self, kind, since):
        """{oid: (at, packed data)}: the newest first-tier sample of each series of KIND taken
        after SINCE."""
        newest = {}
        for oid, at, data in self._recent.rows({"kind": kind, "since": since}):
            if oid not in newest or at > newest[oid][0]:
                newest[oid] = (at, data)
        return newest

    def counters(self, since):
        """[(kind, oid, at, packed counters)] of every series read after SINCE."""
        return [tuple(row) for row in self._counters.rows({"since": since})]

    def forget_gone(self, pmids):
        """Remove the series of VMs no longer in the store and of hosts not in PMIDS."""
        with self.store.write() as conn:
            conn.execute(samples.delete().where(samples.c.kind == "v", samples.c.oid.not_in(
                sa.select(vms.c.id))))
            conn.execute(samples.delete().where(samples.c.kind == "h",
                                                samples.c.oid.not_in(list(pmids) or [0])))
