"""The reference of the read benchmarks: a bare Flask app answering the same paths with
answers of the same shape and size, under vmfabric's own gunicorn settings (Server's
load_config: gthread workers, threads, timeouts), with nothing of vmfabric's behind it.

    .venv/bin/python -m tests.bench.bare_flask CONFIG PORT [WORKERS]
"""

import sys

from flask import Flask, jsonify

from service import config as config_mod
from service.server import Server


def bare_app():
    app = Flask("bare")

    @app.get("/vm/query")
    def vm_query():
        return jsonify(vmid=1, name="q", instance_type=1, pmid=1)

    @app.get("/pm/query")
    def pm_query():
        return jsonify(pmid=1, total={"cpu": 100000, "mem": 100000000, "disk": 1000000},
                       free={"cpu": 99999, "mem": 99999488, "disk": 999999}, vms=1)

    @app.get("/api/v1/vms/<int:vmid>")
    def vm(vmid):
        return jsonify(vm={"id": vmid, "name": "q", "instance_type": 1, "image_id": 1,
                           "pmid": 1, "state": "running", "state_age": 1.0, "domain": "vmf-1",
                           "resources": {"cpu": 1, "ram_mb": 512, "disk_gb": 1},
                           "addresses": [], "cluster_id": None, "error": "",
                           "created_at": 1.0, "pending_resize": None, "shutdown": None})

    @app.get("/api/v1/health")
    def health():
        return jsonify(status="ok")

    return app


class BareServer(Server):
    def load(self):
        return bare_app()


if __name__ == "__main__":
    config = config_mod.load(sys.argv[1], overrides={"server": {"port": int(sys.argv[2]),
                                                                "bind": "127.0.0.1"}})
    BareServer(config, int(sys.argv[3]) if len(sys.argv) > 3 else None).run()
