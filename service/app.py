"""The HTTP application: the front doors (the seed API, /api/v1, the dashboard) put together
with what every request passes (service/web)."""

import logging
import random
import re
import time

from flask import Flask, g, request

from service import config as config_mod
from service import context as context_mod
from service import ui
from service.api import scrape, seed, seed_volumes, v1
from service.web import access, audit, errors, guards, ids, latency
from service.web.ids import IdConverter

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = logging.getLogger("vmfabric.api")


def _log_level(response, failure, req):
    """A client's mistakes at WARNING, changes at INFO; successful reads, thousands a second,
    at DEBUG."""
    if failure:
        return logging.WARNING
    if (response.status_code < 400 and req.method in ("GET", "HEAD")
            and req.endpoint not in audit.SEED_CHANGES):
        return logging.DEBUG
    return logging.INFO


class App(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sync_callables = {}

    def ensure_sync(self, func):
        """Flask asks on every call whether a view or hook is a coroutine function (an
        inspect call per hook per request); ours never change, so it is asked once each."""
        ready = self.sync_callables.get(func)
        if ready is None:
            ready = self.sync_callables[func] = super().ensure_sync(func)
        return ready


def create_app(config=None, ctx=None):
    """Build the Flask app from CONFIG (loaded once) or a ready CTX (tests)."""
    if ctx is None:
        ctx = context_mod.build(config or config_mod.load())
    app = App("vmfabric")
    app.config["VMFABRIC"] = ctx
    app.url_map.strict_slashes = False
    app.url_map.converters["id"] = IdConverter
    app.json.sort_keys = False
    # a body sent without a length is cut off here too (413): no request is read past it
    app.config["MAX_CONTENT_LENGTH"] = ctx.config["server"]["max_body"]
    allowed = guards.allowed_hosts(ctx.config["server"]["allowed_hosts"])
    max_body = ctx.config["server"]["max_body"]

    app.register_blueprint(seed.blueprint)
    app.register_blueprint(seed_volumes.blueprint)
    app.register_blueprint(v1.blueprint, url_prefix="/api/v1")
    app.register_blueprint(ui.blueprint, url_prefix="/ui")
    app.register_blueprint(scrape.blueprint)
    errors.install(app)

    # (the request and g are bound once per hook: every use of Flask's proxies costs a
    # context-variable lookup, and these run on every request)
    @app.before_request
    def _checked():
        req, state = request._get_current_object(), g._get_current_object()
        given = req.environ.get("HTTP_X_REQUEST_ID", "")
        # (an id to find a request by in the logs, not a secret: no system entropy needed)
        state.request_id = given if REQUEST_ID.match(given) else f"{random.getrandbits(128):032x}"
        state.started = time.perf_counter()
        guards.check(req, allowed, max_body, audit.SEED_CHANGES)
        ids.check(req.view_args)
        access.authenticate(req, state, ctx)

    @app.after_request
    def _recorded(response):
        req, state = request._get_current_object(), g._get_current_object()
        request_id = state.get("request_id", "")
        response.headers["X-Request-Id"] = request_id
        audit.record(response, req)
        why = state.get("failure")
        level = _log_level(response, why, req)
        took = time.perf_counter() - state.get("started", 0)
        latency.observe(req.endpoint, req.method, response.status_code, took)
        if log.isEnabledFor(level):
            log.log(level, "%s %s %s %d %.1fms%s", request_id, req.method, req.path[:200],
                    response.status_code, took * 1000, f": {why[:300]}" if why else "")
        return response

    return app
