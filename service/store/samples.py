"""Telemetry's rings (the samples table): a pass's samples written in one transaction,
series read back by tier and time.

The first tier is written every pass: a row per slot (its time, its 48 bytes of values),
rewritten in place. The coarser tiers are written once a step and kept BLOCK_SLOTS steps
to a row, each step a RECORD (its time as 4 bytes, then its values) spliced in at its
offset: on SQLite a row of 87 records is the 489 bytes kept on its leaf page plus one
overflow page it fills, so a stored sample costs about its own 52 bytes instead of the
row, cell and half-full page a row of its own would cost (~130 bytes).
"""

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
RECORD = 52  # a coarser tier's step: uint32 time, 12 float32 values (telemetry/history.py)
BLOCK_SLOTS = 87
ALL_BLOCKS = (sa.select(samples.c.at, samples.c.data)
              .where(samples.c.kind == sa.bindparam("kind"), samples.c.oid == sa.bindparam("oid"),
                     samples.c.tier == sa.bindparam("tier"), samples.c.at > sa.bindparam("since"))
              .order_by(samples.c.slot))
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
        # a step spliced into its block (the block made, empty around it, if it is new)
        self._put_step = insert.on_conflict_do_update(
            index_elements=["kind", "oid", "tier", "slot"],
            set_={"at": insert.excluded.at,
                  # (SQLite's || gives text, whatever it joins: cast back to the bytes)
                  "data": sa.cast(
                      sa.func.substr(samples.c.data, 1, sa.bindparam("offset"))
                      .op("||")(sa.bindparam("record", type_=sa.LargeBinary))
                      .op("||")(sa.func.substr(samples.c.data,
                                               sa.bindparam("offset") + RECORD + 1)),
                      sa.LargeBinary)})
        self._series = store.prepare(SERIES)
        self._blocks = store.prepare(ALL_BLOCKS)
        self._recent = store.prepare(RECENT)
        self._counters = store.prepare(COUNTERS)

    def put(self, rows, steps=()):
        """In one transaction: ROWS [{kind, oid, tier, slot, at, data}] (first-tier samples,
        counters) and STEPS [{kind, oid, tier, slot, at, record}] (a coarser tier's: SLOT is
        its place in the tier's ring, RECORD its RECORD bytes)."""
        if not rows and not steps:
            return
        with self.store.write() as conn:
            if rows:
                conn.execute(self._put, rows)
            if steps:
                conn.execute(self._put_step, [_in_block(step) for step in steps])

    def series(self, kind, oid, tier, since):
        """[(at, packed data)] of one series' first TIER (0) after SINCE, oldest first; of a
        coarser tier, its blocks written after SINCE: [(at of the last write, block)]."""
        prepared = self._series if tier == 0 else self._blocks
        return [tuple(row) for row in prepared.rows(
            {"kind": kind, "oid": oid, "tier": tier, "since": since})]

    def latest(self, kind, since):
        """{oid: (at, packed data)}: the newest first-tier sample of each series of KIND taken
        after SINCE."""
        newest = {}
        for oid, at, data in self._recent.rows({"kind": kind, "since": since}):
            if oid not in newest or at > newest[oid][0]:
                newest[oid] = (at, data)
        return newest

    def recent(self, kind, since):
        """{oid: [(at, packed data)] oldest first}: every first-tier sample of KIND after SINCE."""
        found = {}
        for oid, at, data in self._recent.rows({"kind": kind, "since": since}):
            found.setdefault(oid, []).append((at, data))
        for rows in found.values():
            rows.sort()
        return found

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


def _in_block(step):
    """STEP's row: its block, its offset there, and the whole block should the row be new."""
    block, place = divmod(step["slot"], BLOCK_SLOTS)
    offset = place * RECORD
    record = step["record"]
    return {"kind": step["kind"], "oid": step["oid"], "tier": step["tier"], "slot": block,
            "at": step["at"], "offset": offset, "record": record,
            "data": bytes(offset) + record + bytes((BLOCK_SLOTS - place - 1) * RECORD)}
