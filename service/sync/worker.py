"""The sync worker: the sync in a process of its own, started and watched by `vmfabric serve`.

The look at every host (and the telemetry that comes with it) is work for a
thousand connections and their answers; in a request worker it would compete
with requests for the interpreter. Here it has the process to itself, keeps
its hosts' connections warm between passes (its first pass, start-up
reconciliation, opens them), and the application's workers only open a
host's connection when a request needs it. Every server has one; of all the
servers on a store, the one holding the 'sync' lease works (loop.py).
"""

import logging
import signal
import threading

from service import context as context_mod
from service.rebalance.auto import AutoRebalance
from service.sync import startup
from service.sync.loop import SyncLoop
from service.telemetry import listener
from service.telemetry.loop import TelemetryLoop

log = logging.getLogger("vmfabric.sync")


def run(config, ready):
    """Reconcile, call READY() (the application may start), then sync until SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _sig, _frame: stop.set())
    ctx = context_mod.build(config).start()
    loops, scrape = [], None
    try:
        services = ctx.sync_services()
        startup.reconcile(services)
        ready()
        loops.append(SyncLoop(config, services).start())
        if config["telemetry"]["enabled"]:
            loops.append(TelemetryLoop(config, services).start())
        if config["telemetry"]["enabled"]:  # (autoscaling policies, and rebalance.auto)
            loops.append(AutoRebalance(config, services).start())
        scrape = listener.start(config, ctx.store)
        while not stop.wait(1):
            pass
    finally:
        if scrape is not None:
            scrape[0].shutdown()
        for loop in reversed(loops):
            loop.stop()
        ctx.close()
