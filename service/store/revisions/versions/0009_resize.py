"""Resize: each VM's headroom for live growth and a change waiting for its next start.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # a VM made before this has no headroom: it grows at its next start
    op.add_column("vms", sa.Column("max_cpu", sa.Integer, nullable=False, server_default="0"))
    op.add_column("vms", sa.Column("max_ram_mb", sa.Integer, nullable=False, server_default="0"))
    op.add_column("vms", sa.Column("pending", sa.JSON, nullable=False, server_default="{}"))


def downgrade():
    for column in ("pending", "max_ram_mb", "max_cpu"):
        op.drop_column("vms", column)
