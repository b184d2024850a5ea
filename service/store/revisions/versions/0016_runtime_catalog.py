"""The catalog at runtime: images imported and uploaded through the API, types retired.

* images: state (importing, active, deleting), the member whose private image it is
  (user_id, public), os and login, min_disk_gb and min_ram_mb, disk_gb (its share of its
  owner's disk quota), created_at, and the process and job importing it.
* types.retired: no new VMs of the type.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def image_columns():
    """The new columns of images (made afresh for each use: a Column belongs to one table)."""
    return (
        sa.Column("state", sa.String(16), nullable=False, server_default="active"),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("os", sa.String(32), nullable=True),
        sa.Column("login", sa.String(32), nullable=True),
        sa.Column("min_disk_gb", sa.Integer, nullable=False, server_default="0"),
        sa.Column("min_ram_mb", sa.Integer, nullable=False, server_default="0"),
        sa.Column("disk_gb", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Float, nullable=True),
        sa.Column("owner", sa.String(32), nullable=True),
        sa.Column("job_id", sa.Integer, nullable=True),
    )


def upgrade():
    # plain ADD COLUMNs: a copied table would be refused by host_images' foreign key
    for column in image_columns():
        op.add_column("images", column)
    op.add_column("types", sa.Column("retired", sa.Boolean, nullable=False,
                                     server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("types") as alter:
        alter.drop_column("retired")
    for column in reversed(image_columns()):
        op.drop_column("images", column.name)
