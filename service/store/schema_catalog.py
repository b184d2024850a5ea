"""Tables of the catalog: images, instance types, and the base copies of images on hosts.

Part of the store's schema (service/store/schema.py), on its metadata. Images and types
are made at install time (the image_file, the types_file) and at runtime through the API
(service/catalog); a runtime import is ``importing`` until it is whole and inspected.
"""

import sqlalchemy as sa

from service.store.metadata import metadata

images = sa.Table(
    "images", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    # as in image_file; a runtime image's URL, or upload:<token>
    sa.Column("source", sa.String(2048), nullable=False, unique=True),
    sa.Column("path", sa.String(2048), nullable=False),  # local copy on the controller
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("virtual_size", sa.BigInteger, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    # importing -> active; deleting while bases on hosts that did not answer remain
    sa.Column("state", sa.String(16), nullable=False, default="active"),
    # the member whose private image it is (null: an admin's or the installation's, public)
    sa.Column("user_id", sa.Integer),
    sa.Column("public", sa.Boolean, nullable=False, default=True),
    # the guest's OS and the user its cloud image logs in as (null: root)
    sa.Column("os", sa.String(32)),
    sa.Column("login", sa.String(32)),
    # what a VM of it needs at least (a create below is refused)
    sa.Column("min_disk_gb", sa.Integer, nullable=False, default=0),
    sa.Column("min_ram_mb", sa.Integer, nullable=False, default=0),
    # GiB it counts in its owner's disk quota (its file, rounded up)
    sa.Column("disk_gb", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.Float),
    # the server process importing it (its import is settled by the sync when it is gone)
    sa.Column("owner", sa.String(32)),
    sa.Column("job_id", sa.Integer),
    sqlite_autoincrement=True,
)

types = sa.Table(
    "types", metadata,
    sa.Column("tid", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("cpu", sa.Integer, nullable=False),
    sa.Column("ram_mb", sa.Integer, nullable=False),
    sa.Column("disk_gb", sa.Integer, nullable=False),
    # no new VMs of it; the ones it has keep it
    sa.Column("retired", sa.Boolean, nullable=False, default=False),
    # its new VMs are `ha` unless their create says otherwise
    sa.Column("ha", sa.Boolean, nullable=False, default=False),
)

# base images already copied to a host's pool
host_images = sa.Table(
    "host_images", metadata,
    sa.Column("pmid", sa.Integer, sa.ForeignKey("pms.id"), primary_key=True),
    sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id"), primary_key=True),
    sa.Column("volume", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
)
