"""Host maintenance (a drained host takes no new VMs) and when a host went down.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("pms", sa.Column("maintenance", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    op.add_column("pms", sa.Column("down_since", sa.Float, nullable=True))


def downgrade():
    op.drop_column("pms", "down_since")
    op.drop_column("pms", "maintenance")
