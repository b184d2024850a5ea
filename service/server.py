"""`vmfabric serve`: the API under gunicorn (several worker processes, threads in each).

Start-up reconciliation runs once, in the master, before workers are forked;
each worker then builds its own context (store engine, libvirt connections).
"""

import logging
import os

from gunicorn.app.base import BaseApplication

from service import context as context_mod
from service import reconcile


class Server(BaseApplication):
    def __init__(self, config, workers=None):
        self.vmfabric_config = config
        self.workers = workers or max(2, (os.cpu_count() or 1) * 2)
        super().__init__()

    def load_config(self):
        server = self.vmfabric_config["server"]
        settings = {
            "bind": f"{server['bind']}:{server['port']}",
            "workers": self.workers,
            "worker_class": "gthread",
            "threads": server["threads"],
            # a create waits for libvirt (and a first image upload): give it time
            "timeout": 900,
            "graceful_timeout": 30,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": server["log_level"],
            "proc_name": "vmfabric",
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        from service.api import create_app

        return create_app(self.vmfabric_config)


def serve(config, workers=None):
    logging.basicConfig(level=config["server"]["log_level"].upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx = context_mod.build(config)
    reconcile.reconcile(ctx)
    ctx.store.dispose()
    Server(config, workers).run()
