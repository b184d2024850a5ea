"""The server acting on what guests use, by itself, every ``rebalance.every`` seconds: VMs
with an autoscaling policy resized (service/usage/vertical.py), clusters with one grown
or shrunk (service/usage/horizontal.py), and with ``rebalance.auto`` the fleet
rebalanced.

A thread of the sync worker, working only while its process holds the sync lease (one
per installation, however many servers share the store). Each round plans the goals of
``rebalance.goals`` in order (balance_by_use relieves hosts in lasting breach, then
consolidate_by_use packs), each on the fleet as the previous one left it, and carries
out at most ``rebalance.max_moves`` migrations, one after another: so at most one
migration at a time, per host too. Each is the same migration as `vm migrate` (its
target claimed first; a failure leaves the VM where it was) and is recorded as an event
with its reason; the first failure ends the round (the next one plans afresh). Hosts
down or in maintenance take nothing and give nothing (service/usage/view.py).
"""

import json
import logging
import threading

from service import clock
from service.errors import VmfabricError
from service.sync.loop import LEASE
from service.usage.horizontal import ClusterScaler
from service.usage.vertical import VerticalScaler

log = logging.getLogger("vmfabric.rebalance")
ACTION = "rebalance.auto"
LAST = "rebalance.auto.last"  # kv: the last round (when, what moved, what could not be fixed)


class AutoRebalance:
    def __init__(self, config, services):
        self.settings = config["rebalance"]
        self.services = services
        interval = config["telemetry"]["interval"]
        self.vertical = VerticalScaler(services.store, services.compute, interval)
        self.horizontal = ClusterScaler(services.store, services.clusters, services.compute,
                                        interval)
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run, name="vmfabric-rebalance", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.settings["every"]):
            try:
                if self.services.store.leases.holder(LEASE) == self.services.process.id:
                    self.vertical.pass_once()
                    self.horizontal.pass_once()
                    if self.settings["auto"]:
                        self.round()
            except Exception:  # the loop must outlive any one bad round
                log.exception("automatic rebalancing round failed")

    def round(self):
        """One round: the goals planned in turn and their moves made; the round's record."""
        rebalancer, left = self.services.rebalancer, self.settings["max_moves"]
        done, unresolved, failed = [], [], None
        for goal in self.settings["goals"]:
            if left <= 0 or failed:
                break
            plan = rebalancer.plan(goal, {"max_moves": left})
            unresolved += [dict(item, goal=goal) for item in plan["unresolved"]]
            for step in plan["moves"][:left]:
                try:
                    result = self.services.compute.migrate_now(step["vmid"], step["to"])
                except VmfabricError as exc:
                    failed = dict(step, goal=goal, error=str(exc))
                    self._event(step, f"not moved from pm {step['from']} to pm {step['to']} "
                                      f"({step.get('reason', goal)}): {exc}", status=409)
                    break
                left -= 1
                done.append(dict(step, goal=goal, time_ms=result.get("time_ms")))
                self._event(step, f"moved from pm {step['from']} to pm {step['to']} in "
                                  f"{result.get('time_ms')} ms: {step.get('reason', goal)}")
        record = {"at": round(clock.now(), 3), "moves": done, "unresolved": unresolved,
                  "failed": failed}
        self.services.store.set_kv(LAST, json.dumps(record))
        if done or failed:
            log.info("automatic rebalancing: %d moved%s", len(done),
                     f", stopped at vm {failed['vmid']}: {failed['error']}" if failed else "")
        return record

    def _event(self, step, outcome, status=200):
        self.services.store.events.record(
            user_id=None, username="vmfabric", action=ACTION,
            target=f"vm {step['vmid']}", request_id="", status=status, outcome=outcome)

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
