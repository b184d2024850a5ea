"""The HTTP API: the seed endpoints (exactly as specified) and /api/v1 (JSON, OpenAPI)."""

import logging
import re
import time
import uuid

from flask import Flask, g, request

from service import config as config_mod
from service import context as context_mod

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = logging.getLogger("vmfabric.api")


def create_app(config=None, ctx=None):
    """Build the Flask app from CONFIG (loaded once) or a ready CTX (tests)."""
    if ctx is None:
        ctx = context_mod.build(config or config_mod.load())
    app = Flask("vmfabric")
    app.config["VMFABRIC"] = ctx
    app.url_map.strict_slashes = False
    app.json.sort_keys = False

    from service.api import errors, seed, v1

    app.register_blueprint(seed.blueprint)
    app.register_blueprint(v1.blueprint, url_prefix="/api/v1")
    errors.install(app)

    @app.before_request
    def _request_id():
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if log.isEnabledFor(logging.INFO):
            log.info("%s %s %s %d %.1fms", g.get("request_id"), request.method, request.path,
                     response.status_code, (time.perf_counter() - g.get("started", 0)) * 1000)
        return response

    return app


def ctx():
    """The service context of the running app."""
    from flask import current_app

    return current_app.config["VMFABRIC"]
