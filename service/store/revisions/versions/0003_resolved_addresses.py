"""One host, one pmid: the addresses each PM's name resolved to when it was added.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa

from service.store.revisions.helpers import batch

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with batch("pms") as alter:
        alter.add_column(sa.Column("resolved", sa.JSON, nullable=False, server_default="[]"))


def downgrade():
    with batch("pms") as alter:
        alter.drop_column("resolved")
