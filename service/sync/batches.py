"""Creates whose process died, settled as the requests they were: a batch is all or nothing.

A create request made its VMs together (one ``batch``), and its answer was to
be all of them or none. When its process died with members still ``creating``,
the batch is finished only if every member's domain runs; otherwise every
member is undone, those the dead process had already seen running too: its
domain, disks and first-boot disk removed, its claim and address given back, the
VM failed with the reason. A member whose host does not answer waits as
``deleting`` (holding its claim) until the host is back, then goes.
"""

import logging

from service.errors import VmfabricError
from service.hypervisor import Unreachable

log = logging.getLogger("vmfabric.sync")
INTERRUPTED = "interrupted while being created (its server process stopped)"


def settle(ctx, vm):
    """Settle the create VM was part of; the outcome for VM: finished, failed or waiting."""
    members = ctx.store.vms.in_batch(vm.batch) if vm.batch else [vm]
    members = [m for m in members if m.state != "failed"] or [vm]
    states = {m.id: _domain_state(ctx, m) for m in members if m.state == "creating"}
    if states and all(state == "running" for state in states.values()):
        for vmid in states:
            ctx.store.vms.set_state(vmid, "running")
        return "finished"
    reason = INTERRUPTED if len(members) == 1 else \
        f"{INTERRUPTED}; its batch of {len(members)} is undone as a whole (all or nothing)"
    outcome = "failed"
    for member in members:
        if _undo(ctx, member, reason, states.get(member.id)) == "waiting" and member.id == vm.id:
            outcome = "waiting"
    return outcome


def _domain_state(ctx, vm):
    """'running', another state, or Unreachable (the host did not answer)."""
    pm = ctx.store.pms.get(vm.pmid)
    try:
        return ctx.hypervisors.domains.state(pm, vm.domain)
    except Unreachable as exc:
        return exc
    except VmfabricError:
        return "missing"


def _undo(ctx, vm, reason, state):
    pm = ctx.store.pms.get(vm.pmid)
    if isinstance(state, Unreachable):
        # its domain may run there: keep the claim until the host answers, then remove it
        ctx.store.vms.set_state(vm.id, "deleting", owner=None,
                                error=f"{reason}; removed when {pm.label} answers ({state})")
        return "waiting"
    ctx.compute.cleanup(pm, vm.id)
    ctx.store.vms.fail(vm.id, reason)
    log.info("sync: vm %s undone: %s", vm.id, reason)
    return "failed"
