"""Base images on hosts: copied once per host, and used only once they are whole.

A VM's disk is an overlay on its image's base volume on its host. The base is
uploaded by the first create that needs it there, read back and checksummed,
and only then recorded in the store (host_images); a create uses a base the
store records, never one it merely sees in the pool, which could be another
create's upload still under way. One upload per host and image at a time: a
lock in this process, and a lease in the store across server processes (the
others wait for its record). A base found on a host without a record (a store
made afresh) is checksummed before it is trusted.
"""

import logging
import threading
import time

from service import clock
from service import naming
from service.errors import HypervisorError, NotFound

log = logging.getLogger("vmfabric.compute")
WAIT = 0.25
UPLOAD_WAIT = 1800  # the longest a create waits for another process's upload


class BaseImages:
    def __init__(self, store, hypervisors, process):
        self.store = store
        self.hv = hypervisors
        self.process = process
        self._locks = {}
        self._guard = threading.Lock()

    def ensure(self, pm, image):
        """The name of IMAGE's base volume on PM, whole and recorded."""
        name = naming.base_image(image["id"], image["sha256"])
        if self._recorded(pm, image, name):
            return name
        with self._lock_for(pm.id, image["id"]):
            lease = f"upload.{pm.id}.{image['id']}"
            deadline = clock.monotonic() + UPLOAD_WAIT
            while not self.store.leases.acquire(lease, self.process.id, self.process.dead_after):
                if self._recorded(pm, image, name):
                    return name  # another server process made it
                if clock.monotonic() > deadline:
                    raise HypervisorError(f"{pm.label}: gave up waiting for another server's "
                                          f"upload of image {image['name']}")
                time.sleep(WAIT)
            try:
                if not self._recorded(pm, image, name):
                    self._put(pm, image, name)
            finally:
                self.store.leases.release(lease, self.process.id)
        return name

    def forget(self, pm, image):
        """PM lost IMAGE's base (deleted behind vmfabric's back): the next create copies it."""
        self.store.catalog.forget_host_image(pm.id, image["id"])

    def _recorded(self, pm, image, name):
        row = self.store.catalog.host_image(pm.id, image["id"])
        return row is not None and row["volume"] == name and row["sha256"] == image["sha256"]

    def _put(self, pm, image, name):
        try:
            found = self.hv.storage.checksum(pm, name, image["size"])
        except NotFound:
            found = None
        if found != image["sha256"]:
            log.info("%s: uploading image %s (%s bytes)", pm.label, image["name"], image["size"])
            self.hv.storage.upload(pm, name, image["path"], image["format"], image["size"],
                                   image["sha256"])
        self.store.catalog.record_host_image(pm.id, image["id"], name, image["sha256"])

    def _lock_for(self, pmid, image_id):
        with self._guard:
            return self._locks.setdefault((pmid, image_id), threading.Lock())
