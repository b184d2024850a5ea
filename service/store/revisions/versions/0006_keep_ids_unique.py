"""Ids are never reused: put AUTOINCREMENT back on vms and clusters where an earlier upgrade
copied them without it (SQLite), the high-water mark as high as anything still records.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from service.store.revisions.helpers import batch

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in ("vms", "clusters"):
        sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' "
                                   "AND name = :t"), {"t": table}).scalar() or ""
        if "AUTOINCREMENT" not in sql.upper():
            with batch(table, recreate="always"):
                pass


def downgrade():
    pass
