"""Shared storage and high availability.

* vms.storage: the shared-storage backend holding the VM's disk (its name in the
  configuration's ``storage``), or null when the disk is a volume in its host's pool.
* vms.ha: restart the VM on another host (after its host is fenced) when its host fails.
* pms.fence: the host's last fence ({state: fenced | unfenceable, at, detail}); {} when none.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("vms", sa.Column("storage", sa.String(64), nullable=True))
    op.add_column("vms", sa.Column("ha", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("pms", sa.Column("fence", sa.JSON, nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("pms") as alter:
        alter.drop_column("fence")
    with op.batch_alter_table("vms") as alter:
        alter.drop_column("ha")
        alter.drop_column("storage")
