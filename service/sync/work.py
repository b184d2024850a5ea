"""Work whose owner died: finished or rolled back by the sync, with no restart.

A create, destroy or migration records the process doing it. When that
process stops beating (killed, its machine gone), this takes over: a create is
settled as the batch it was (sync/batches.py: finished if every member's domain
runs, otherwise every member cleaned up and failed); a destroy is completed; a migration ends where its
domain is (compute/migrate.py). Work on a host that does not answer waits
for the host, as 'deleting', holding its claim. Jobs of a dead process fail.
"""

import logging

from service.errors import VmfabricError
from service.hypervisor import Unreachable
from service.sync import batches, volumes

log = logging.getLogger("vmfabric.sync")
JOB_ORPHANED = "the server process running it stopped; start it again"


def recover(ctx):
    """Take over every piece of orphaned work; returns {'finished', 'failed', 'destroyed', 'jobs'}."""
    live = ctx.process.live()
    done = {"finished": [], "failed": [], "destroyed": [], "waiting": [],
            "jobs": ctx.store.jobs.fail_orphans(live, JOB_ORPHANED),
            "volumes": volumes.recover(ctx, live)}
    for vm in ctx.store.vms.orphaned_work(live):
        if vm.batch and vm.state == "creating" and ctx.store.vms.get(vm.id).state != "creating":
            continue  # settled with its batch earlier in this pass
        try:
            outcome = _recover_vm(ctx, vm)
        except VmfabricError as exc:
            log.warning("sync: could not recover vm %s (%s): %s", vm.id, vm.state, exc)
            continue
        done[outcome].append(vm.id)
        if outcome != "waiting":
            ctx.compute.access.refresh()
            log.info("sync: vm %s, left %s (its process stopped, or its host did not answer): %s",
                     vm.id, vm.state, outcome)
    return done


def _recover_vm(ctx, vm):
    if vm.state == "migrating":
        try:
            outcome = ctx.compute.migrator.settle(vm.id, "its migration was interrupted (its "
                                                         "server process stopped)")
        except Unreachable:
            return "waiting"
        return "finished" if outcome == "finished" else "failed"
    if vm.state == "deleting":
        outcome = ctx.compute.destroyer.finish(vm.id, vm.pmid)
        return "destroyed" if outcome == "destroyed" else "waiting"
    return batches.settle(ctx, vm)
