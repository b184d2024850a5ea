"""Snapshots: a VM's checkpoints.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("vmid", sa.Integer, sa.ForeignKey("vms.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("libvirt_name", sa.String(64), nullable=False),
        sa.Column("vm_state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("vmid", "name"),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table("snapshots")
