"""A virtual cluster's horizontal autoscaling policy ({} when none: service/usage/horizontal.py).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa

from service.store.revisions.helpers import batch

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with batch("clusters") as alter:
        alter.add_column(sa.Column("autoscale", sa.JSON, nullable=False, server_default="{}"))


def downgrade():
    with batch("clusters") as alter:
        alter.drop_column("autoscale")
