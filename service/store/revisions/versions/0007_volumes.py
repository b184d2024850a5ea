"""Block storage: volumes.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "volumes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size_gb", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("pmid", sa.Integer, sa.ForeignKey("pms.id"), nullable=True),
        sa.Column("pending_pmid", sa.Integer, sa.ForeignKey("pms.id"), nullable=True),
        sa.Column("vmid", sa.Integer, sa.ForeignKey("vms.id"), nullable=True),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(32)),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_volumes_vmid", "volumes", ["vmid"])


def downgrade():
    op.drop_index("ix_volumes_vmid", "volumes")
    op.drop_table("volumes")
