"""Images brought at runtime: uploaded in a request's body or imported from a URL by a job.

Either way the image is a row ``importing`` (owned by this process, with a job reporting
the bytes received) while its bytes arrive; then it is inspected as install-time images
are (format, virtual size, no backing or external data file) and only then ``active``.
Anything that goes wrong removes the file and the row; an import whose process died is
settled by the sync (service/catalog/removal.py). A member's image is private and counts
in their disk quota; an admin's is public.
"""

import logging
import math
import os
import secrets
import threading

from service import clock, images as inspection
from service.catalog import fetch, transfer
from service.errors import NotFound, ValidationError, VmfabricError
from service.store.catalog import usable_by

log = logging.getLogger("vmfabric.images")
GIB = 1 << 30
UPLOAD, IMPORT = "image.upload", "image.import"
RECORD_WAIT = 30


class ImageCatalog:
    def __init__(self, config, store, jobs, process, quotas):
        self.settings = config["images"]
        self.store = store
        self.jobs = jobs
        self.process = process
        self.quotas = quotas
        self.dir = runtime_dir(config)

    # ---- what a user sees ------------------------------------------------
    def listing(self, user):
        return self.store.catalog.visible_images(user.id, user.is_admin)

    def visible(self, user, image_id):
        """IMAGE_ID's row if USER may see it (another member's private image is NotFound)."""
        row = self.store.catalog.image(image_id)
        if user is not None and not usable_by(row, user.id, user.is_admin):
            raise NotFound(f"no image {image_id}")
        return row

    # ---- bringing one ----------------------------------------------------
    def upload(self, user, fields, read, length):
        """The image whose LENGTH bytes READ(n) gives (the request's body), active, or an error
        with nothing left behind."""
        if length is None:
            raise ValidationError("an upload needs its Content-Length", field="Content-Length")
        if length > self.settings["max_size"]:
            raise ValidationError(f"the image is {length} bytes, over images.max_size "
                                  f"({self.settings['max_size']})", field="Content-Length")
        row = self._begin(user, fields, f"upload:{secrets.token_hex(8)}", length)
        job, _ = self.store.jobs.start(UPLOAD, {"image_id": row["id"], "name": row["name"]},
                                       self.process.id, lambda _params: False, user.id)
        self.store.catalog.set_image(row["id"], job_id=job["id"])
        self.store.jobs.running(job["id"])
        try:
            done, digest = transfer.receive(read, row["path"], self.settings["max_size"], length,
                                            fields["sha256"], self._reporter(job["id"]))
            image = self._finish(row, done, digest)
        except BaseException as exc:
            self.abandon(row)
            self.store.jobs.fail(job["id"], str(exc) if isinstance(exc, VmfabricError)
                                 else f"the upload stopped ({exc.__class__.__name__})")
            raise
        self.store.jobs.succeed(job["id"], {"image_id": image["id"]})
        return image

    def import_url(self, user, fields):
        """(image row, job): the URL is checked now (a 422 names it); the job fetches it."""
        fetch.resolve(fields["url"], fetch.Allowed(self.settings["import_networks"]))
        row = self._begin(user, fields, f"{fields['url']}#import-{secrets.token_hex(4)}", None)
        recorded = threading.Event()  # the row names its job before the job may remove it

        def work(report):
            recorded.wait(RECORD_WAIT)
            try:
                deadline = clock.monotonic() + self.settings["import_timeout"]
                response, length = fetch.open_url(fields["url"], self.settings)
                try:
                    self._charge(row, length)
                    done, digest = transfer.receive(
                        fetch.reader(response), row["path"], self.settings["max_size"], length,
                        fields["sha256"], lambda d, t: report({"done": d, "total": t}), deadline)
                finally:
                    response.release_conn()
                return {"image_id": self._finish(row, done, digest)["id"]}
            except BaseException:
                self.abandon(row)
                raise

        job = self.jobs.run(IMPORT, {"image_id": row["id"], "name": row["name"]}, work,
                            user_id=user.id, reports=True)
        try:
            return self.store.catalog.set_image(row["id"], job_id=job["id"]), job
        finally:
            recorded.set()

    def _begin(self, user, fields, source, length):
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        private = not user.is_admin
        row = {"name": fields["name"], "source": source, "os": fields["os"],
               "login": fields["login"], "min_disk_gb": fields["min_disk_gb"],
               "min_ram_mb": fields["min_ram_mb"], "user_id": user.id, "public": not private,
               "disk_gb": _gib(length or 0) if private else 0, "owner": self.process.id,
               "path": os.path.join(self.dir, f"{secrets.token_hex(12)}.img")}
        guard = (lambda conn: self.quotas.guard_more(conn, user.id, [0, 0, row["disk_gb"], 0])) \
            if private else None
        return self.store.catalog.begin_image(row, guard)

    def _charge(self, row, length):
        """A private import's size is counted once the server has announced it."""
        if length is not None and not row["public"]:
            self._recount(row["id"], _gib(length))

    def _recount(self, image_id, disk_gb):
        def guard(conn, current):
            more = disk_gb - current["disk_gb"]
            if current["user_id"] is not None and more > 0:
                self.quotas.guard_more(conn, current["user_id"], [0, 0, more, 0])
        self.store.catalog.set_image(image_id, guard, disk_gb=disk_gb)

    def _finish(self, row, size, digest):
        try:
            info = inspection.inspect(row["path"])
        except ValueError as exc:
            raise ValidationError(f"image: {exc}", field="image") from None
        if not row["public"]:
            self._recount(row["id"], _gib(size))
        image = self.store.catalog.set_image(
            row["id"], state="active", owner=None, format=info["format"],
            virtual_size=info["virtual_size"], size=info["size"], sha256=digest)
        log.info("image %s (%s) is active: %s, %s bytes", image["id"], image["name"],
                 image["format"], image["size"])
        return image

    def _reporter(self, job_id):
        return lambda done, total: self.store.jobs.report(job_id, {"done": done, "total": total})

    def abandon(self, row):
        """Remove what an import made: its file (whole or in part) and its row."""
        transfer.remove(row["path"], row["path"] + ".part")
        self.store.catalog.drop_image(row["id"])


def runtime_dir(config):
    """Where images brought at runtime are kept (the server's own; install-time images stay
    where the image_file names them)."""
    return os.path.join(config["home"], "images", "runtime")


def _gib(size):
    return math.ceil(size / GIB)
