"""The periodic sync and owned work: state ages, owners of in-flight work, processes, leases.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from service.store.revisions.helpers import batch

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with batch("pms") as alter:
        alter.add_column(sa.Column("checked_at", sa.Float))
        alter.add_column(sa.Column("unknown_domains", sa.JSON, nullable=False,
                                   server_default="[]"))
    with batch("vms") as alter:
        alter.add_column(sa.Column("state_at", sa.Float))
        alter.add_column(sa.Column("owner", sa.String(32)))
    op.create_index("ix_vms_state", "vms", ["state"])
    with batch("jobs") as alter:
        alter.add_column(sa.Column("owner", sa.String(32)))
    op.create_table(
        "processes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("heartbeat_at", sa.Float, nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(32)),
        sa.Column("acquired_at", sa.Float),
    )
    # VMs that were running before: their state was last confirmed when they changed
    op.execute("UPDATE vms SET state_at = updated_at")


def downgrade():
    op.drop_table("leases")
    op.drop_table("processes")
    with batch("jobs") as alter:
        alter.drop_column("owner")
    op.drop_index("ix_vms_state", "vms")
    with batch("vms") as alter:
        alter.drop_column("owner")
        alter.drop_column("state_at")
    with batch("pms") as alter:
        alter.drop_column("unknown_domains")
        alter.drop_column("checked_at")
