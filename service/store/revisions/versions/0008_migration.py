"""Live migration: the host a VM is moving to, and a job's progress.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("vms", sa.Column("target_pmid", sa.Integer, nullable=True))
    op.add_column("jobs", sa.Column("progress", sa.JSON, nullable=False, server_default="{}"))


def downgrade():
    op.drop_column("jobs", "progress")
    op.drop_column("vms", "target_pmid")
