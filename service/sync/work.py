"""Work whose owner died: finished or rolled back by the sync, with no restart.

A create, destroy or migration records the process doing it. When that
process stops beating (killed, its machine gone), this hands the VM to Compute,
which finishes or rolls back its work (compute/recover.py: a create settled as
the batch it was, a destroy completed, a migration ended where its domain is).
Work on a host that does not answer waits for the host, as 'deleting', holding
its claim. Jobs of a dead process fail; volumes are settled by sync/volumes.py, images by catalog/removal.py.
"""

import logging

from service.errors import VmfabricError
from service.sync import volumes

log = logging.getLogger("vmfabric.sync")
JOB_ORPHANED = "the server process running it stopped; start it again"


def recover(services):
    """Take over every piece of orphaned work; returns {'finished', 'failed', 'destroyed', 'jobs'}."""
    live = services.process.live()
    done = {"finished": [], "failed": [], "destroyed": [], "waiting": [],
            "jobs": services.store.jobs.fail_orphans(live, JOB_ORPHANED),
            "volumes": volumes.recover(services, live),
            "images": services.image_removal.settle(live)}
    for vm in services.store.vms.orphaned_work(live):
        if vm.batch and vm.state == "creating" \
                and services.store.vms.get(vm.id).state != "creating":
            continue  # settled with its batch earlier in this pass
        try:
            outcome = services.compute.recover(vm)
        except VmfabricError as exc:
            log.warning("sync: could not recover vm %s (%s): %s", vm.id, vm.state, exc)
            continue
        done[outcome].append(vm.id)
        if outcome != "waiting":
            log.info("sync: vm %s, left %s (its process stopped, or its host did not answer): %s",
                     vm.id, vm.state, outcome)
    return done
