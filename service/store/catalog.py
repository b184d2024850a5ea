"""Images and instance types: what can be launched, and who may launch it.

An image is public (an admin's, or the installation's) or private to the member who
uploaded it; runtime imports are ``importing`` until whole and inspected, and only
``active`` images make VMs. A type may be retired: no new VMs, existing ones keep it.
"""

import sqlalchemy as sa

from service import clock
from service.errors import Conflict
from service.store.schema import clusters, host_images, images, types, vms

TYPES = sa.select(types).order_by(types.c.tid)
TYPE = sa.select(types).where(types.c.tid == sa.bindparam("tid"))
IMAGES = sa.select(images).order_by(images.c.id)
IMAGE = sa.select(images).where(images.c.id == sa.bindparam("image_id"))
HOST_IMAGE = sa.select(host_images).where(host_images.c.pmid == sa.bindparam("pmid"),
                                          host_images.c.image_id == sa.bindparam("image_id"))
SIZES = ("cpu", "ram_mb", "disk_gb")


class Catalog:
    def __init__(self, store):
        self.store = store
        self._types = store.prepare(TYPES)
        self._type = store.prepare(TYPE)
        self._images = store.prepare(IMAGES)
        self._image = store.prepare(IMAGE)
        self._host_image = store.prepare(HOST_IMAGE)

    # ---- instance types --------------------------------------------------
    def put_types(self, rows):
        """Insert or update types by tid; a type with VMs keeps its sizes (and any type its
        retirement). Returns a sentence per type left as it was."""
        kept = []
        with self.store.write() as conn:
            for row in rows:
                found = conn.execute(TYPE, {"tid": row["tid"]}).mappings().first()
                if found is None:
                    conn.execute(types.insert().values(**row))
                    continue
                changed = any(found[k] != row[k] for k in SIZES)
                users = _type_users(conn, row["tid"]) if changed else []
                if users:
                    kept.append(f"type {row['tid']} keeps its sizes: in use by {_names(users)}")
                    continue
                conn.execute(types.update().where(types.c.tid == row["tid"])
                             .values(**{k: row[k] for k in SIZES}))
        return kept

    def types(self):
        return self._types.mappings()

    def type(self, tid):
        return self._type.one({"tid": tid}, f"no instance type {tid}")

    def add_type(self, row):
        with self.store.write() as conn:
            if row.get("tid") is None:
                row = dict(row, tid=conn.execute(sa.select(
                    sa.func.coalesce(sa.func.max(types.c.tid), 0) + 1)).scalar())
            elif conn.execute(TYPE, {"tid": row["tid"]}).first() is not None:
                raise Conflict(f"type {row['tid']} exists")
            conn.execute(types.insert().values(**{"retired": False, "ha": False, **row}))
        return self.type(row["tid"])

    def change_type(self, tid, values):
        """VALUES: new sizes and/or retired; sizes of a type with VMs or clusters are kept."""
        with self.store.write() as conn:
            found = conn.execute(TYPE, {"tid": tid}).mappings().first()
            if found is None:
                self._type.one({"tid": tid}, f"no instance type {tid}")
            resized = [k for k in SIZES if k in values and values[k] != found[k]]
            users = _type_users(conn, tid) if resized else []
            if users:
                raise Conflict(f"type {tid} cannot change its {resized[0]} while in use by "
                               f"{_names(users)} (retire it and create another)")
            conn.execute(types.update().where(types.c.tid == tid).values(**values))
        return self.type(tid)

    def delete_type(self, tid):
        with self.store.write() as conn:
            self.type(tid)
            users = _type_users(conn, tid)
            if users:
                raise Conflict(f"type {tid} is in use by {_names(users)} (retire it instead)")
            conn.execute(types.delete().where(types.c.tid == tid))

    # ---- images ----------------------------------------------------------
    def put_image(self, row):
        """Register an image by its source; an existing source keeps its id."""
        with self.store.write() as conn:
            existing = conn.execute(sa.select(images.c.id)
                                    .where(images.c.source == row["source"])).scalar()
            if existing:
                conn.execute(images.update().where(images.c.id == existing).values(**row))
                return existing
            return conn.execute(images.insert().values(**row)).inserted_primary_key[0]

    def images(self):
        return self._images.mappings()

    def image(self, image_id):
        return self._image.one({"image_id": image_id}, f"no image {image_id}")

    def visible_images(self, user_id, admin):
        """Images USER_ID may see: every one for an admin, else public and their own."""
        return [row for row in self.images() if usable_by(row, user_id, admin)]

    def begin_image(self, row, guard=None):
        """A new image, ``importing``; GUARD(conn) runs in the same transaction (the quota)."""
        with self.store.write() as conn:
            taken = conn.execute(sa.select(images.c.id).where(
                images.c.name == row["name"], images.c.state != "deleting",
                sa.or_(images.c.public, images.c.user_id == row["user_id"]))).scalar()
            if taken:
                raise Conflict(f"an image named {row['name']!r} exists (image {taken})")
            if guard:
                guard(conn)
            values = dict(format="raw", virtual_size=0, size=0, sha256="", created_at=clock.now(),
                          state="importing", **row)
            image_id = conn.execute(images.insert().values(**values)).inserted_primary_key[0]
        return self.image(image_id)

    def set_image(self, image_id, guard=None, **values):
        """Change an image's row; GUARD(conn, row) first, in the same transaction."""
        with self.store.write() as conn:
            row = conn.execute(IMAGE, {"image_id": image_id}).mappings().first()
            if row is None:
                self._image.one({"image_id": image_id}, f"no image {image_id}")
            if guard:
                guard(conn, row)
            conn.execute(images.update().where(images.c.id == image_id).values(**values))
        return self.image(image_id)

    def mark_deleting(self, image_id):
        """The image goes (state ``deleting``) unless a VM or a cluster uses it (Conflict)."""
        with self.store.write() as conn:
            row = conn.execute(IMAGE, {"image_id": image_id}).mappings().first()
            if row is None:
                self._image.one({"image_id": image_id}, f"no image {image_id}")
            if row["state"] == "importing":
                raise Conflict(f"image {image_id} is still importing (job {row['job_id']})")
            users = _image_users(conn, image_id)
            if users:
                raise Conflict(f"image {image_id} is in use by {_names(users)}")
            conn.execute(images.update().where(images.c.id == image_id)
                         .values(state="deleting"))
        return self.image(image_id)

    @staticmethod
    def check_active(conn, image_id):
        """Inside a claim's transaction: IMAGE_ID is still active (not being deleted since the
        request looked), so a VM and the image's deletion never both go through."""
        state = conn.execute(sa.select(images.c.state).where(images.c.id == image_id)).scalar()
        if state != "active":
            raise Conflict(f"image {image_id} is {state or 'deleted'}, not active")

    def drop_image(self, image_id):
        with self.store.write() as conn:
            conn.execute(host_images.delete().where(host_images.c.image_id == image_id))
            conn.execute(images.delete().where(images.c.id == image_id))

    def unsettled_images(self, live_owners):
        """Imports whose process is gone, and images being deleted."""
        return [row for row in self.images() if row["state"] == "deleting" or (
            row["state"] == "importing" and row["owner"] not in live_owners)]

    # ---- base images on hosts --------------------------------------------
    def host_image(self, pmid, image_id):
        return self._host_image.first({"pmid": pmid, "image_id": image_id})

    def hosts_with(self, image_id):
        with self.store.read() as conn:
            return [dict(r) for r in conn.execute(
                sa.select(host_images).where(host_images.c.image_id == image_id)).mappings()]

    def record_host_image(self, pmid, image_id, volume, sha256):
        with self.store.write() as conn:
            conn.execute(host_images.delete().where(host_images.c.pmid == pmid,
                                                    host_images.c.image_id == image_id))
            conn.execute(host_images.insert().values(pmid=pmid, image_id=image_id,
                                                     volume=volume, sha256=sha256))

    def forget_host_image(self, pmid, image_id):
        with self.store.write() as conn:
            conn.execute(host_images.delete().where(host_images.c.pmid == pmid,
                                                    host_images.c.image_id == image_id))


def usable_by(image, user_id, admin):
    """Whether USER_ID (an admin when ADMIN) may see and use IMAGE: public, or their own."""
    return admin or image["public"] or image["user_id"] == user_id


def _image_users(conn, image_id):
    return _users(conn, vms.c.image_id == image_id, clusters.c.image_id == image_id)


def _type_users(conn, tid):
    return _users(conn, vms.c.tid == tid, clusters.c.tid == tid)


def _users(conn, vm_clause, cluster_clause):
    found = [f"vm {r.id} ({r.name})" for r in conn.execute(
        sa.select(vms.c.id, vms.c.name).where(vm_clause).order_by(vms.c.id))]
    found += [f"cluster {r.id} ({r.name})" for r in conn.execute(
        sa.select(clusters.c.id, clusters.c.name).where(cluster_clause).order_by(clusters.c.id))]
    return found


def _names(users, most=5):
    more = f" and {len(users) - most} more" if len(users) > most else ""
    return ", ".join(users[:most]) + more
