"""The periodic sync and owned work: state ages, owners of in-flight work, processes, leases.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pms") as batch:
        batch.add_column(sa.Column("checked_at", sa.Float))
        batch.add_column(sa.Column("unknown_domains", sa.JSON, nullable=False,
                                   server_default="[]"))
    with op.batch_alter_table("vms") as batch:
        batch.add_column(sa.Column("state_at", sa.Float))
        batch.add_column(sa.Column("owner", sa.String(32)))
    op.create_index("ix_vms_state", "vms", ["state"])
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("owner", sa.String(32)))
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
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("owner")
    op.drop_index("ix_vms_state", "vms")
    with op.batch_alter_table("vms") as batch:
        batch.drop_column("owner")
        batch.drop_column("state_at")
    with op.batch_alter_table("pms") as batch:
        batch.drop_column("unknown_domains")
        batch.drop_column("checked_at")
