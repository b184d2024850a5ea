"""Work on a VM whose process died, finished or rolled back (the sync hands it over).

A migration ends where its domain is (compute/migrate.py); a destroy is completed; a restart
from shared disks after a fence is finished (compute/restart.py). A create
is settled as the request it was: it made its VMs together (one ``batch``), and its answer
was to be all of them or none. The batch is finished only if every member's domain runs;
otherwise every member is undone, those the dead process had already seen running too: its
domain, disks and first-boot disk removed, its claim and address given back, the VM failed
with the reason. A member whose host does not answer waits as ``deleting`` (holding its
claim) until the host is back, then goes.
"""

import logging

from service.compute.restart import RESTARTING
from service.errors import VmfabricError
from service.hypervisor import Unreachable

log = logging.getLogger("vmfabric.compute")
INTERRUPTED = "interrupted while being created (its server process stopped)"
MIGRATION_INTERRUPTED = "its migration was interrupted (its server process stopped)"


class Recovery:
    def __init__(self, store, hypervisors, migrator, destroyer, launcher, restarter):
        self.store = store
        self.restarter = restarter
        self.hv = hypervisors
        self.migrator = migrator
        self.destroyer = destroyer
        self.launcher = launcher

    def recover(self, vm):
        """Take over VM's work; its outcome: finished, failed, destroyed or waiting."""
        if vm.state == "migrating":
            try:
                outcome = self.migrator.settle(vm.id, MIGRATION_INTERRUPTED)
            except Unreachable:
                return "waiting"
            return "finished" if outcome == "finished" else "failed"
        if vm.state == "deleting":
            outcome = self.destroyer.finish(vm.id, vm.pmid)
            return "destroyed" if outcome == "destroyed" else "waiting"
        if vm.storage and vm.error.startswith(RESTARTING):
            return self.restarter.resume(vm)  # a restart after a fence: never undone
        return settle(self, vm)


def settle(recovery, vm):
    """Settle the create VM was part of; the outcome for VM: finished, failed or waiting."""
    store = recovery.store
    members = store.vms.in_batch(vm.batch) if vm.batch else [vm]
    members = [m for m in members if m.state != "failed"] or [vm]
    states = {m.id: _domain_state(recovery, m) for m in members if m.state == "creating"}
    if states and all(state == "running" for state in states.values()):
        for vmid in states:
            store.vms.set_state(vmid, "running")
        return "finished"
    reason = INTERRUPTED if len(members) == 1 else \
        f"{INTERRUPTED}; its batch of {len(members)} is undone as a whole (all or nothing)"
    outcome = "failed"
    for member in members:
        if _undo(recovery, member, reason, states.get(member.id)) == "waiting" \
                and member.id == vm.id:
            outcome = "waiting"
    return outcome


def _domain_state(recovery, vm):
    """'running', another state, or Unreachable (the host did not answer)."""
    pm = recovery.store.pms.get(vm.pmid)
    try:
        return recovery.hv.domains.state(pm, vm.domain)
    except Unreachable as exc:
        return exc
    except VmfabricError:
        return "missing"


def _undo(recovery, vm, reason, state):
    store = recovery.store
    pm = store.pms.get(vm.pmid)
    if isinstance(state, Unreachable):
        # its domain may run there: keep the claim until the host answers, then remove it
        store.vms.set_state(vm.id, "deleting", owner=None,
                            error=f"{reason}; removed when {pm.label} answers ({state})")
        return "waiting"
    recovery.launcher.cleanup(pm, vm.id)
    store.vms.fail(vm.id, reason)
    log.info("sync: vm %s undone: %s", vm.id, reason)
    return "failed"
