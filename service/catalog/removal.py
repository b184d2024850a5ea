"""Deleting an image, and settling images whose import or deletion was left unfinished.

An image goes only when no VM and no cluster uses it (a 409 names them otherwise). Its
base copies on hosts go with it; a host that does not answer keeps the image ``deleting``
until it does, and the sync finishes the job then. The image's file is removed only when
it is one the server received (an install-time image is the operator's file).
"""

import logging
import os

from service.catalog import transfer
from service.catalog.images import runtime_dir
from service.errors import HypervisorError, NotFound

log = logging.getLogger("vmfabric.images")


class ImageRemoval:
    def __init__(self, config, store, hypervisors, catalog):
        """CATALOG: the ImageCatalog (it abandons imports)."""
        self.store = store
        self.hv = hypervisors
        self.catalog = catalog
        self.dir = runtime_dir(config)

    def delete(self, image_id):
        """True when the image is gone; False while hosts that did not answer keep a base
        of it (the sync removes those when they answer)."""
        return self._finish_deleting(self.store.catalog.mark_deleting(image_id))

    def settle(self, live_owners):
        """Imports of processes that are gone are removed; deletions are carried on.
        Returns the ids settled."""
        done = []
        for row in self.store.catalog.unsettled_images(live_owners):
            if row["state"] == "importing":
                log.warning("sync: image %s (%s) was importing in a process that stopped: "
                            "removed", row["id"], row["name"])
                self.catalog.abandon(row)
                done.append(row["id"])
            elif self._finish_deleting(row):
                done.append(row["id"])
        return done

    def _finish_deleting(self, row):
        left = []
        for base in self.store.catalog.hosts_with(row["id"]):
            try:
                pm = self.store.pms.get(base["pmid"])
            except NotFound:
                self.store.catalog.forget_host_image(base["pmid"], row["id"])
                continue
            if pm.state != "up":
                left.append(pm.id)
                continue
            try:
                self.hv.storage.delete_volume(pm, base["volume"])
            except HypervisorError as exc:
                log.warning("%s: image %s's base stays for now: %s", pm.label, row["id"], exc)
                left.append(pm.id)
                continue
            self.store.catalog.forget_host_image(pm.id, row["id"])
        if left:
            return False
        if os.path.dirname(os.path.abspath(row["path"])) == self.dir:
            transfer.remove(row["path"])
        self.store.catalog.drop_image(row["id"])
        log.info("image %s (%s) is deleted", row["id"], row["name"])
        return True
