"""Placement rules that outlive the create, batches settled as one, power requests with a
deadline, and cluster names that are unique per owner.

* vms.spread_group: VMs sharing one are on different hosts, for every later move too
  (a spread cluster's nodes: "cluster-ID"; a spread batch: "batch-KEY").
* vms.batch: the create request a VM was made by; a batch is finished or undone as one.
* vms.power_request: a shutdown asked of the guest ({action, at, deadline, force}).
* clusters: a name is unique per owner (another member's cluster name is theirs).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from service.store.revisions.helpers import batch

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
UNNAMED = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade():
    with batch("vms") as alter:
        alter.add_column(sa.Column("spread_group", sa.String(64), nullable=True))
        alter.add_column(sa.Column("batch", sa.String(32), nullable=True))
        alter.add_column(sa.Column("power_request", sa.JSON, nullable=False,
                                   server_default="{}"))
    op.create_index("ix_vms_spread_group", "vms", ["spread_group"])
    op.create_index("ix_vms_batch", "vms", ["batch"])
    op.execute(sa.text(
        "UPDATE vms SET spread_group = 'cluster-' || CAST(cluster_id AS VARCHAR(16)) "
        "WHERE cluster_id IN (SELECT id FROM clusters WHERE placement = 'spread')"))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with batch("clusters", naming_convention=UNNAMED) as alter:
            alter.drop_constraint("uq_clusters_name", type_="unique")
            alter.create_unique_constraint("uq_clusters_owner_name", ["user_id", "name"])
    else:
        op.drop_constraint("clusters_name_key", "clusters", type_="unique")
        op.create_unique_constraint("uq_clusters_owner_name", "clusters", ["user_id", "name"])


def downgrade():
    with batch("clusters") as alter:
        alter.drop_constraint("uq_clusters_owner_name", type_="unique")
        alter.create_unique_constraint("uq_clusters_name", ["name"])
    op.drop_index("ix_vms_batch", "vms")
    op.drop_index("ix_vms_spread_group", "vms")
    with batch("vms") as alter:
        alter.drop_column("power_request")
        alter.drop_column("batch")
        alter.drop_column("spread_group")
