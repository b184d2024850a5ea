"""Images and instance types: what can be launched."""

import sqlalchemy as sa

from service.store.schema import host_images, images, types


TYPES = sa.select(types).order_by(types.c.tid)
TYPE = sa.select(types).where(types.c.tid == sa.bindparam("tid"))
IMAGES = sa.select(images).order_by(images.c.id)
IMAGE = sa.select(images).where(images.c.id == sa.bindparam("image_id"))
HOST_IMAGE = sa.select(host_images).where(host_images.c.pmid == sa.bindparam("pmid"),
                                          host_images.c.image_id == sa.bindparam("image_id"))


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
        """Insert or update types by tid (a type in use keeps its tid)."""
        with self.store.write() as conn:
            for row in rows:
                done = conn.execute(types.update().where(types.c.tid == row["tid"]).values(**row))
                if done.rowcount == 0:
                    conn.execute(types.insert().values(**row))

    def types(self):
        return self._types.mappings()

    def type(self, tid):
        return self._type.one({"tid": tid}, f"no instance type {tid}")

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

    # ---- base images on hosts --------------------------------------------
    def host_image(self, pmid, image_id):
        return self._host_image.first({"pmid": pmid, "image_id": image_id})

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
