"""What usage-aware decisions keep per VM.

* vms.expected_use: the share of its vCPUs a create declared it would use (null: nothing
  declared); decisions use it until the VM has a history (service/usage/demand.py).
* vms.moved_at: when its last migration finished: automatic moves leave a VM where it
  is for ``usage.residence`` seconds after (no ping-pong).
* vms.autoscale: its vertical autoscaling policy ({} when none: service/usage/vertical.py).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa

from service.store.revisions.helpers import batch

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with batch("vms") as alter:
        alter.add_column(sa.Column("expected_use", sa.Float, nullable=True))
        alter.add_column(sa.Column("moved_at", sa.Float, nullable=True))
        alter.add_column(sa.Column("autoscale", sa.JSON, nullable=False, server_default="{}"))


def downgrade():
    with batch("vms") as alter:
        alter.drop_column("autoscale")
        alter.drop_column("moved_at")
        alter.drop_column("expected_use")
