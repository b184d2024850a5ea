"""Instance types may be highly available.

* types.ha: the VMs made of this type are `ha` (restarted on another host, after a fence,
  when their host fails) unless a create says otherwise.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("types", sa.Column("ha", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("types") as alter:
        alter.drop_column("ha")
