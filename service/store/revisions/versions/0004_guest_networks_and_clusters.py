"""Guests on the network: addresses, first-boot keys and cloud-config, virtual clusters.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from service.store.revisions.helpers import batch

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("tid", sa.Integer, nullable=False),
        sa.Column("image_id", sa.Integer, nullable=False),
        sa.Column("placement", sa.String(16), nullable=False),
        sa.Column("ssh_keys", sa.JSON, nullable=False),
        sa.Column("user_data", sa.Text, nullable=False),
        sa.Column("next_node", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sqlite_autoincrement=True,
    )
    with batch("vms") as alter:
        alter.add_column(sa.Column("ssh_keys", sa.JSON, nullable=False, server_default="[]"))
        alter.add_column(sa.Column("host_key", sa.Text, nullable=False, server_default=""))
        alter.add_column(sa.Column("user_data", sa.Text, nullable=False, server_default=""))
        alter.add_column(sa.Column("cluster_id", sa.Integer,
                                   sa.ForeignKey("clusters.id", name="fk_vms_cluster"),
                                   nullable=True))
    op.create_index("ix_vms_cluster", "vms", ["cluster_id"])
    op.create_table(
        "addresses",
        sa.Column("network", sa.String(64), primary_key=True),
        sa.Column("ip", sa.String(45), primary_key=True),
        sa.Column("mac", sa.String(17), nullable=False, unique=True),
        sa.Column("vmid", sa.Integer, sa.ForeignKey("vms.id"), nullable=False),
    )
    op.create_index("ix_addresses_vmid", "addresses", ["vmid"])


def downgrade():
    op.drop_index("ix_addresses_vmid", "addresses")
    op.drop_table("addresses")
    op.drop_index("ix_vms_cluster", "vms")
    with batch("vms") as alter:
        alter.drop_column("cluster_id")
        alter.drop_column("user_data")
        alter.drop_column("host_key")
        alter.drop_column("ssh_keys")
    op.drop_table("clusters")
