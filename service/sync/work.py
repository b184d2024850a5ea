"""Work whose owner died: finished or rolled back by the sync, with no restart.

A create, destroy or migration records the process doing it. When that
process stops beating (killed, its machine gone), this takes over: a create
whose domain runs is finished, any other is cleaned up on its host and failed
(its claim released); a destroy is completed; a migration ends where its
domain is (compute/migrate.py). Work on a host that does not answer waits
for the host, as 'deleting', holding its claim. Jobs of a dead process fail.
"""

import logging

from service.errors import VmfabricError
from service.hypervisor import Unreachable
from service.sync import volumes

log = logging.getLogger("vmfabric.sync")
JOB_ORPHANED = "the server process running it stopped; start it again"


def recover(ctx):
    """Take over every piece of orphaned work; returns {'finished', 'failed', 'destroyed', 'jobs'}."""
    live = ctx.process.live()
    done = {"finished": [], "failed": [], "destroyed": [], "waiting": [],
            "jobs": ctx.store.jobs.fail_orphans(live, JOB_ORPHANED),
            "volumes": volumes.recover(ctx, live)}
    for vm in ctx.store.vms.orphaned_work(live):
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
    pm = ctx.store.pms.get(vm.pmid)
    try:
        running = ctx.hypervisors.domains.state(pm, vm.domain) == "running"
    except Unreachable as exc:
        # its domain may run there: keep the claim until the host answers, then remove it
        ctx.store.vms.set_state(vm.id, "deleting", owner=None,
                                error=f"its create was interrupted; removed when {pm.label} "
                                      f"answers ({exc})")
        return "waiting"
    except VmfabricError:
        running = False
    if running:
        ctx.store.vms.set_state(vm.id, "running")
        return "finished"
    ctx.compute.cleanup(pm, vm.id)
    ctx.store.vms.fail(vm.id, "interrupted while being created (its server process stopped)")
    return "failed"
