"""The store as release 0.1.0 made it: PMs, images, types, VMs, host images, kv, jobs.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("port", sa.Integer, nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("libvirt_uri", sa.String(1024), nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("domain_type", sa.String(16), nullable=False),
        sa.Column("cpu", sa.Integer, nullable=False),
        sa.Column("ram_mb", sa.Integer, nullable=False),
        sa.Column("disk_gb", sa.Integer, nullable=False),
        sa.Column("used_cpu", sa.Integer, nullable=False),
        sa.Column("used_ram_mb", sa.Integer, nullable=False),
        sa.Column("used_disk_gb", sa.Integer, nullable=False),
        sa.Column("vm_count", sa.Integer, nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("discovered_at", sa.Float),
        sa.UniqueConstraint("address", "port", name="uq_pm_address_port"),
        sa.CheckConstraint("used_cpu >= 0 AND used_ram_mb >= 0 AND used_disk_gb >= 0",
                           name="ck_pm_used_nonnegative"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "images",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("source", sa.String(2048), nullable=False, unique=True),
        sa.Column("path", sa.String(2048), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("virtual_size", sa.BigInteger, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "types",
        sa.Column("tid", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("cpu", sa.Integer, nullable=False),
        sa.Column("ram_mb", sa.Integer, nullable=False),
        sa.Column("disk_gb", sa.Integer, nullable=False),
    )
    op.create_table(
        "vms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(4096), nullable=False),
        sa.Column("tid", sa.Integer, nullable=False),
        sa.Column("image_id", sa.Integer, nullable=False),
        sa.Column("pmid", sa.Integer, sa.ForeignKey("pms.id"), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("domain_name", sa.String(64), nullable=False),
        sa.Column("cpu", sa.Integer, nullable=False),
        sa.Column("ram_mb", sa.Integer, nullable=False),
        sa.Column("disk_gb", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_vms_pmid", "vms", ["pmid"])
    op.create_table(
        "host_images",
        sa.Column("pmid", sa.Integer, sa.ForeignKey("pms.id"), primary_key=True),
        sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id"), primary_key=True),
        sa.Column("volume", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "kv",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_jobs_kind_state", "jobs", ["kind", "state"])


def downgrade():
    for table in ("jobs", "kv", "host_images", "vms", "types", "images", "pms"):
        op.drop_table(table)
