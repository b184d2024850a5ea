"""One error boundary for HTTP: our exceptions become status codes and one JSON shape.

/api/v1 answers ``{"error": {"code", "message"}}``; every seed URL answers its
own failure shape (``{"vmid": 0}`` for a create, ``{"status": 0}`` for a
destroy, ``0`` for anything else), whatever went wrong. A client's mistake is
logged as one line; only a fault of the server logs a traceback.
"""

import logging

from flask import g, jsonify, request
from werkzeug.exceptions import HTTPException

from service.api.guards import BadHost, BodyTooLarge, NotAChange
from service.errors import (ConfigError, Conflict, Forbidden, HypervisorError, NoCapacity,
                            NotFound, QuotaExceeded, Unauthorized, ValidationError, VmfabricError)

log = logging.getLogger("vmfabric.api")

# most specific first
STATUS = (
    (BadHost, 400, "bad_host"),
    (BodyTooLarge, 413, "too_large"),
    (NotAChange, 200, "not_a_change"),
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (QuotaExceeded, 409, "over_quota"),
    (NoCapacity, 409, "no_capacity"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (ValidationError, 422, "invalid"),
    (ConfigError, 422, "invalid"),
    (HypervisorError, 502, "hypervisor_error"),
    (VmfabricError, 400, "bad_request"),
)
# what each seed endpoint answers when it fails (a callable: made from the request); every
# other URL answers 0
SEED_FAILURE = {
    "seed.vm_create": {"vmid": 0}, "seed.vm_destroy": {"status": 0},
    "seed_volumes.volume_create": {"volumeid": 0},
    "seed_volumes.volume_query": lambda: _volume_query_failure(),
    "seed_volumes.volume_destroy": {"status": 0}, "seed_volumes.volume_attach": {"status": 0},
    "seed_volumes.volume_detach": {"status": 0},
}
SEED_FAILURE_BY_PATH = {"/vm/create": {"vmid": 0}, "/vm/destroy": {"status": 0},
                        "/volume/create": {"volumeid": 0},
                        "/volume/query": lambda: _volume_query_failure(),
                        "/volume/destroy": {"status": 0}, "/volume/attach": {"status": 0},
                        "/volume/detach": {"status": 0}}


def _volume_query_failure():
    from service.api.seed_volumes import query_failure

    return query_failure()


class BadRequest(VmfabricError):
    """The request is not JSON, or not the JSON this endpoint takes."""


def error_response(status, code, message, headers=None):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def seed_failure(status=200):
    """The failure answer of the seed endpoint this request was for (HTTP 200, as all of them,
    unless the caller is refused: 401 or 403, or the seed API is off: 404)."""
    shape = SEED_FAILURE.get(request.endpoint)
    if shape is None:
        shape = SEED_FAILURE_BY_PATH.get(request.path.rstrip("/"), 0)
    response = jsonify(shape() if callable(shape) else shape)
    response.status_code = status
    return response


def _is_v1():
    return request.path.startswith("/api/v1")


def _is_ui():
    return request.path == "/ui" or request.path.startswith("/ui/")


def _client_mistake(what):
    """Recorded for the request's one log line (a warning): a client's mistake has no traceback."""
    g.failure = what

def install(app):
    @app.errorhandler(VmfabricError)
    def _ours(exc):
        status, code = next((s, c) for kind, s, c in STATUS if isinstance(exc, kind))
        if status < 500:
            _client_mistake(str(exc))
        message = str(exc)
        user = g.get("user")
        if isinstance(exc, HypervisorError) and (user is None or not user.is_admin):
            # what a host answered is the fleet's business: no addresses, ports or causes
            log.warning("%s: for a member: %s", g.get("request_id"), message)
            message = "a host could not do it (unreachable); an admin sees why in the events log"
        if _is_ui():
            from service.ui import alerts

            return alerts.failure(status, message)
        if not _is_v1():
            from service.api.auth import SeedApiOff

            refused = isinstance(exc, (Unauthorized, Forbidden, SeedApiOff, BadHost,
                                       BodyTooLarge))
            return seed_failure(status if refused else 200)
        return error_response(status, code, message)

    @app.errorhandler(HTTPException)
    def _http(exc):
        if _is_ui():
            from service.ui import alerts

            return alerts.failure(exc.code, exc.description or exc.name)
        if not _is_v1():
            return seed_failure(413 if exc.code == 413 else 200)  # "any other URL returns 0"
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.code, "bad_request")
        allow = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        return error_response(exc.code, code, exc.description or exc.name, headers=allow)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error on %s %s", request.method, request.path[:200])
        if _is_ui():
            from service.ui import alerts

            return alerts.failure(500, "internal error; see the server log")
        if not _is_v1():
            return seed_failure()
        return error_response(500, "internal", "internal error; see the server log")
