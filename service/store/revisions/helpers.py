"""What migrations share: altering a SQLite table without losing its AUTOINCREMENT.

SQLite changes a table's constraints by copying it into a new table (Alembic's
"batch" mode); the copy is made from reflection, which does not know
AUTOINCREMENT, and dropping the old table drops its row of sqlite_sequence.
Ids would then be reused after the highest one was deleted. ``batch`` keeps
both: the new table is made with AUTOINCREMENT and the sequence is put back.
"""

import contextlib

import sqlalchemy as sa
from alembic import op


@contextlib.contextmanager
def batch(table, **kwargs):
    """op.batch_alter_table(TABLE) that keeps SQLite's AUTOINCREMENT and its high-water mark."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table(table, **kwargs) as alter:
            yield alter
        return
    seq = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"),
                       {"t": table}).scalar()
    with op.batch_alter_table(table, table_kwargs={"sqlite_autoincrement": True},
                              **kwargs) as alter:
        yield alter
    highest = max(seq or 0, bind.execute(sa.text(f'SELECT coalesce(max(id), 0) FROM "{table}"')).scalar())
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
    bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :s)"),
                 {"t": table, "s": highest})
