"""The service's placement: decide from the store, claim in the store, retry on a lost race.

Several threads or server processes may decide at once from the same view of
free capacity; the guarded UPDATE in the store lets exactly one of them have
the last room on a host, and the others move on to their next candidate.
"""

from service import clock
from service.errors import ConfigError, NoCapacity
from service.placement.engine import Placer
from service.placement.hosts import HostTable
from service.placement.policies import POLICIES
from service.store.vms import ClaimLost
from service.usage.view import cores_of, host_use, recent_samples

POLICY_KEY = "placement.policy"
CONFIG_POLICY_KEY = "placement.config_policy"
STATE_PREFIX = "policy."
CANDIDATES = 8
ROUNDS = 4


class StoreState(dict):
    """Policy state read from the store's key/value table; changed keys are written back."""

    def __init__(self, store):
        super().__init__({key[len(STATE_PREFIX):]: value
                          for key, value in store.kv_items(STATE_PREFIX).items()})
        self.changed = {}

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.changed[STATE_PREFIX + key] = value


class Scheduler:
    def __init__(self, config, store):
        self.store = store
        self.config_policy = config["placement"]["policy"]
        self.usage = config["usage"]
        Placer(self.config_policy)  # an unknown name fails at start-up, listing the known
        # a changed configuration wins over an earlier admin call, once, at start
        if store.get_kv(CONFIG_POLICY_KEY) != self.config_policy:
            with store.write() as conn:
                store.set_kv(POLICY_KEY, self.config_policy, conn=conn)
                store.set_kv(CONFIG_POLICY_KEY, self.config_policy, conn=conn)

    @property
    def policy_name(self):
        return self.store.get_kv(POLICY_KEY, self.config_policy)

    def set_policy(self, name):
        if name not in POLICIES:
            raise ConfigError(f"unknown placement policy {name!r}; known policies: "
                              f"{', '.join(sorted(POLICIES))}")
        self.store.set_kv(POLICY_KEY, name)
        return name

    def claim(self, vm_rows, requests, placement="pack", exclude=(), owner=None, on_claim=None,
              guard=None):
        """Choose hosts for REQUESTS and record VM_ROWS with their claims, atomically.

        The VMs are 'creating', owned by process OWNER; GUARD(conn, rows) checks the batch
        against its user's quota and ON_CLAIM(conn, vmid, pmid) takes what else each holds
        (its address), in the same transaction. Returns the new
        vmids. Raises NoCapacity when no host (or, for a batch, no combination) has room.
        """
        def commit(pmids, state):
            claims = [dict(row, pmid=pmid) for row, pmid in zip(vm_rows, pmids)]
            return self.store.vms.create_with_claims(claims, owner=owner, kv_updates=state.changed,
                                                     on_claim=on_claim, guard=guard)
        return self._decide(requests, placement, exclude, commit)

    def move(self, vmid, request, exclude, on_move=None, also=None):
        """Move VMID's claim to the best host not in EXCLUDE (a create failed there; its host
        failed); ALSO: columns to set with it."""
        def commit(pmids, state):
            self.store.vms.move_claim(vmid, pmids[0], kv_updates=state.changed, on_move=on_move,
                                      also=also)
            return pmids[0]
        return self._decide([request], "pack", exclude, commit)

    def choose(self, request, exclude, commit):
        """The best host not in EXCLUDE for REQUEST, taken by COMMIT(pmid, state changes),
        which raises ClaimLost when the host no longer has room (the next one is tried)."""
        return self._decide([request], "pack", exclude,
                            lambda pmids, state: commit(pmids[0], state.changed))

    def _decide(self, requests, placement, exclude, commit):
        """Rank from the store's numbers and COMMIT the best plan that still fits.

        A claim lost to a concurrent request makes it try its next candidate,
        then decide again from fresh numbers, ROUNDS times at most.
        """
        placer = Placer(self.policy_name)
        samples = None  # (usage-aware: the VMs' last hour, read once for every round)
        for _ in range(ROUNDS):
            pms = [pm for pm in self.store.pms.list() if pm.id not in exclude]
            table = HostTable.from_pms(pms)
            if getattr(placer.policy, "needs_use", False):
                samples = samples if samples is not None else recent_samples(
                    self.store, self.usage, clock.now())
                table.with_use(*self._use_of(pms, samples))
            state = StoreState(self.store)
            if len(requests) == 1:
                plans = [[int(i)] for i in placer.rank(table, requests[0], state, CANDIDATES)]
            else:
                plans = [placer.rank_batch(table, requests, state, placement)]
            if not plans:
                break
            for plan in plans:
                for i in plan:
                    placer.placed(table, i, state)
                try:
                    return commit([int(table.ids[i]) for i in plan], state)
                except ClaimLost:
                    state.changed.clear()
        raise NoCapacity(self._no_capacity_message(requests))

    def _use_of(self, pms, samples):
        """(expected use, ceiling) in cores per host of PMS from the VMs' SAMPLES, for
        usage-aware placement."""
        use = host_use(self.store, self.usage, pms, clock.now(), samples)
        return ([use[pm.id] for pm in pms],
                [cores_of(pm) * self.usage["place_target"] for pm in pms])

    def _no_capacity_message(self, requests):
        if len(requests) == 1:
            r = requests[0]
            expected = getattr(r, "expected_cores", None)
            by_use = (f" with {expected:g} cores of expected use under "
                      f"{self.usage['place_target']:g} of its cores (placement usage_fit)"
                      if expected is not None and self.policy_name == "usage_fit" else "")
            return (f"no host has room for {r.cpu} CPU, {r.ram_mb} MB RAM, "
                    f"{r.disk_gb} GB disk{by_use}")
        return f"no room for all {len(requests)} VMs at once"
