"""`vmfabric serve`: the API under gunicorn (several worker processes, threads in each),
behind nginx (service/front.py) unless ``server.front`` is ``none``, beside the sync worker.

A supervisor (service/supervisor.py) starts the sync worker (sync/worker.py),
which reconciles the store with the hosts before anything else; then the
application, whose workers each build their own context and beat their
heartbeat; then nginx. The supervisor holds no connection or thread of its
own, so nothing it has is shared with a child.
"""

import logging
import os
import shutil
import sys

from gunicorn.app.base import BaseApplication

from service import front, process
from service.supervisor import Child, ReadySignal, Supervisor, forked, spawned
from service.sync import worker


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
        """Runs in each worker: its own context and heartbeat."""
        from service.app import create_app

        app = create_app(self.vmfabric_config)
        app.config["VMFABRIC"].start()
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
    metrics_dir = _metrics_dir(config)
    synced = ReadySignal()

    def start_sync():
        synced.arm()
        return forked(lambda: worker.run(config, synced.send))()
    # reconciling a large fleet takes as long as its slowest host's look
    children = [Child("sync worker", start_sync, synced.received, ready_within=900)]
    on_stop = None
    if config["server"]["front"] == "nginx":
        conf = front.prepare(config)
        socket = front.socket_path(config)
        app = Server(config, workers, bind=f"unix:{socket}")
        children += [Child("application", forked(app.run), lambda _: os.path.exists(socket)),
                     Child("nginx", spawned([front.NGINX, "-c", conf]))]
        on_stop = lambda: shutil.rmtree(front.run_dir(config), ignore_errors=True)  # noqa: E731
    else:
        children.append(Child("application", forked(Server(config, workers).run)))

    def stopped():
        shutil.rmtree(metrics_dir, ignore_errors=True)
        if on_stop is not None:
            on_stop()
    sys.exit(Supervisor(children, stopped).run())


MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


def _metrics_dir(config):
    """A directory of this server's own where its workers' request figures meet for a scrape
    (service/web/latency.py), named by its pid; a killed server's is removed by the next
    one's start. Set before any child starts, as prometheus_client reads it on import."""
    base = os.path.join(config["state_dir"], "metrics")
    os.makedirs(base, exist_ok=True)
    for name in os.listdir(base):
        if not name.isdigit() or not process.exists(int(name)):
            shutil.rmtree(os.path.join(base, name), ignore_errors=True)
    path = os.path.join(base, str(os.getpid()))
    os.makedirs(path, exist_ok=True)
    if "prometheus_client" in sys.modules:  # it would have chosen single-process values
        logging.getLogger("vmfabric.server").warning(
            "prometheus_client was imported before the server set its metrics directory: "
            "request latency is each worker's own")
    os.environ[MULTIPROC_DIR] = path  # (service/web/latency.py's DIRECTORY)
    return path

