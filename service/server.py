"""`vmfabric serve`: the API under gunicorn (several worker processes, threads in each),
behind nginx (service/front.py) unless ``server.front`` is ``none``.

Start-up reconciliation runs once, in the master, before workers are forked;
the master then lets go of every connection and thread, so nothing it held is
shared with a child. Each worker builds its own context, beats its heartbeat
and runs a sync loop, of which only the one holding the 'sync' lease works.
"""

import logging
import os
import sys

from gunicorn.app.base import BaseApplication

from service import context as context_mod
from service import front
from service.sync import startup


class Server(BaseApplication):
    def __init__(self, config, workers=None, bind=None):
        """BIND: where gunicorn listens (default server.bind:server.port; behind the front,
        its Unix socket)."""
        self.vmfabric_config = config
        self.workers = workers or max(2, (os.cpu_count() or 1) * 2)
        self.bind = bind
        super().__init__()

    def load_config(self):
        server = self.vmfabric_config["server"]
        settings = {
            "bind": self.bind or f"{server['bind']}:{server['port']}",
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
            # the seed API puts a VM's name (up to 4,096 characters) in the URL: take request
            # lines up to gunicorn's own ceiling (1 MB) and let the API answer in its shape
            "limit_request_line": 0,
            "worker_exit": _worker_exit,
        }
        if self.bind and self.bind.startswith("unix:"):
            # behind the front: keep its idle connections longer than it does (front.py)
            settings["keepalive"] = 60
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        """Runs in each worker: its own context, heartbeat and sync loop."""
        from service.app import create_app

        app = create_app(self.vmfabric_config)
        app.config["VMFABRIC"].start(sync_loop=True)
        return app


def _worker_exit(_server, worker):
    app = getattr(worker, "wsgi", None)
    ctx = getattr(app, "config", {}).get("VMFABRIC") if app is not None else None
    if ctx is not None:
        ctx.close()


def serve(config, workers=None):
    # what the server makes (the SQLite store and its journal, logs) is its own: 0600
    os.umask(0o077)
    logging.basicConfig(level=config["server"]["log_level"].upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx = context_mod.build(config, keepalive=False).start()
    try:
        startup.reconcile(ctx.sync_services())
    finally:
        ctx.close()
    if config["server"]["front"] == "nginx":
        app = Server(config, workers, bind=f"unix:{front.socket_path(config)}")
        sys.exit(front.Supervisor(config, app.run).run())
    Server(config, workers).run()
