"""Telemetry samples: a bounded ring per tier, per VM and per host.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "samples",
        sa.Column("kind", sa.String(1), primary_key=True),
        sa.Column("oid", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("tier", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade():
    op.drop_table("samples")
