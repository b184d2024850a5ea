"""Identity: users (with the seed API's built-in account), tokens, owners of VMs, clusters and
jobs, the audit trail. What existed before belongs to the built-in account, which is what
the anonymous API acted as.

Revision ID: 0005
Revises: 0004
"""

import time

import sqlalchemy as sa
from alembic import op

from service.store.revisions.helpers import batch

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEED_ACCOUNT = "seed"


def upgrade():
    users = op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("quota", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("revoked_at", sa.Float),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_user", "events", ["user_id", "id"])
    for table in ("vms", "clusters"):
        with batch(table) as alter:
            alter.add_column(sa.Column("user_id", sa.Integer,
                                       sa.ForeignKey("users.id", name=f"fk_{table}_user"),
                                       nullable=True))
    op.create_index("ix_vms_user", "vms", ["user_id"])
    with batch("jobs") as alter:
        alter.add_column(sa.Column("user_id", sa.Integer))
    op.bulk_insert(users, [{"username": SEED_ACCOUNT, "password_hash": "!", "role": "member",
                            "quota": {"unlimited": True}, "created_at": time.time()}])
    seed = sa.select(users.c.id).where(users.c.username == SEED_ACCOUNT).scalar_subquery()
    op.execute(sa.table("vms", sa.column("user_id")).update().values(user_id=seed))
    op.execute(sa.table("clusters", sa.column("user_id")).update().values(user_id=seed))


def downgrade():
    with batch("jobs") as alter:
        alter.drop_column("user_id")
    op.drop_index("ix_vms_user", "vms")
    for table in ("clusters", "vms"):
        with batch(table) as alter:
            alter.drop_constraint(f"fk_{table}_user", type_="foreignkey")
            alter.drop_column("user_id")
    op.drop_index("ix_events_user", "events")
    for table in ("events", "tokens", "users"):
        op.drop_table(table)
