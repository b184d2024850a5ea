"""Horizontal autoscaling of virtual clusters: a node added while the nodes stay busy, and the
newest removed once they idle.

A cluster's policy (``PUT /api/v1/clusters/{id}/autoscale``): ``min_size`` and
``max_size``, ``up`` and ``down`` (the nodes' average CPU, as a share of their vCPUs),
``hold`` (seconds the average must stay over ``up`` before a node is added),
``cooldown`` (seconds after any change before the next, and that the average must stay
under ``down`` before a node goes), and ``setup``: a program run on a new node before it
counts (its readiness). One node at a time. A node added is placed by the cluster's
rules (its spread too), appears in the cluster's inventory, and has the setup applied
(the same run as `vmfabric cluster run`, on that node alone); a setup that fails is an
event and the node is removed again. Scale-in removes the newest node first. Every
change is an event (``autoscale.cluster``).
"""

import logging
import math

import numpy as np

from service import clock
from service.errors import ValidationError, VmfabricError
from service.usage import policy as policies

log = logging.getLogger("vmfabric.autoscale")
ACTION = "autoscale.cluster"
DEFAULTS = {"up": 0.7, "down": 0.2, "hold": 60, "cooldown": 300, "setup": ""}
MAX_SETUP = 65536


def checked(data, limit):
    """The policy DATA asks for, with its defaults; ValidationError naming a bad field.
    LIMIT: the most nodes a cluster may have."""
    policy = policies.checked(data, DEFAULTS, ("min_size", "max_size"), limit, "nodes",
                              "the nodes'")
    if not isinstance(policy["setup"], str) or len(policy["setup"].encode()) > MAX_SETUP:
        raise ValidationError(f"setup: a program of at most {MAX_SETUP} bytes", field="setup")
    return policy


class ClusterScaler:
    def __init__(self, store, clusters, compute, interval):
        self.store, self.clusters, self.compute = store, clusters, compute
        self.interval = interval

    def pass_once(self, now=None):
        """Every autoscaled cluster looked at once; [(cluster id, what was done)]."""
        now = now or clock.now()
        done = []
        scaled = [cluster for cluster in self.store.clusters.list() if cluster["autoscale"]]
        samples = policies.cpu_samples(self.store, [c["autoscale"] for c in scaled],
                                       self.interval, now)
        for cluster in scaled:
            try:
                outcome = self._one(cluster, cluster["autoscale"], samples, now)
            except VmfabricError as exc:
                outcome = f"not scaled: {exc}"
                self._event(cluster, outcome, 409)
            if outcome:
                done.append((cluster["id"], outcome))
        return done

    def _one(self, cluster, policy, samples, now):
        if policies.cooling(policy, now):
            return None
        nodes = [vm for vm in self.clusters.nodes(cluster["id"]) if vm.state == "running"]
        average = self._average([samples.get(vm.id, []) for vm in nodes], policy)
        size = len(nodes)
        grow = size < policy["min_size"] or (size < policy["max_size"] and average["up"])
        shrink = size > policy["max_size"] or (size > policy["min_size"] and average["down"])
        if not (grow or shrink):
            return None
        self.store.clusters.set_autoscale(cluster["id"], dict(policy, changed_at=now))
        if grow:
            return self._add(cluster, policy, size, average["why"] or
                             f"fewer than min_size {policy['min_size']}")
        newest = max(nodes, key=lambda vm: vm.id)
        self.compute.destroy(newest.id)
        self.clusters.write_inventory(cluster["id"])
        why = average["why"] or f"more than max_size {policy['max_size']}"
        outcome = f"{size} -> {size - 1} nodes: {newest.name} removed ({why})"
        self._event(cluster, outcome)
        return outcome

    def _add(self, cluster, policy, size, why):
        vm = self.clusters.add_nodes(cluster["id"], 1)[0]
        if policy["setup"]:
            result = self.clusters.setup_node(cluster["id"], vm, policy["setup"])
            if result.get("rc") != 0:
                self.compute.destroy(vm.id)
                self.clusters.write_inventory(cluster["id"])
                outcome = (f"{vm.name} removed again: its setup failed (rc {result.get('rc')}: "
                           f"{(result.get('output') or '')[-200:]})")
                self._event(cluster, outcome, 409)
                return outcome
        outcome = f"{size} -> {size + 1} nodes: {vm.name} added and set up ({why})"
        self._event(cluster, outcome)
        log.info("cluster %s: %s", cluster["name"], outcome)
        return outcome

    def _average(self, rows, policy):
        """Whether the nodes' average CPU (ROWS: each node's samples) stayed over up for hold,
        or under down for cooldown."""
        found = {"up": False, "down": False, "why": ""}
        for name, seconds, test, word in (("up", policy["hold"], np.greater, "over"),
                                          ("down", policy["cooldown"], np.less, "under")):
            k = math.ceil(seconds / self.interval)
            if not rows or any(len(row) < k for row in rows):
                continue
            average = np.nanmean(np.array([row[-k:] for row in rows]), axis=0)
            if np.all(test(average, policy[name] * 100)):
                found[name] = True
                found["why"] = (f"the nodes' average CPU {word} {policy[name]:.0%} for "
                                f"{seconds:g} s (now {average[-1]:.0f} %)")
        return found

    def _event(self, cluster, outcome, status=200):
        self.store.events.record(user_id=cluster["user_id"], username="vmfabric", action=ACTION,
                                 target=f"cluster {cluster['id']}", request_id="",
                                 status=status, outcome=outcome)
