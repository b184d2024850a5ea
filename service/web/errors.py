"""One error boundary for HTTP: our exceptions become a status and a code; each front door
answers them in its own shape.

A door (the seed API, /api/v1, the dashboard) gives ``install_door`` its blueprint and an
``answer(status, code, message, exc)``: its handlers for our errors, HTTP errors and the
unexpected are registered on its blueprint, so an error in one of its views or in the
checks before them is answered by it. A request that matches no route belongs to no
blueprint: ``register_unmatched`` lets each door claim its URL space for those. A client's
mistake is logged as one line; only a fault of the server logs a traceback.
"""

import logging

from flask import g, request
from werkzeug.exceptions import HTTPException

from service.errors import (ConfigError, Conflict, Forbidden, HypervisorError, NoCapacity,
                            NotFound, QuotaExceeded, Unauthorized, ValidationError, VmfabricError)
from service.web.guards import BadHost, BodyTooLarge, NotAChange

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
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
MEMBER_HYPERVISOR_ERROR = ("a host could not do it (unreachable); an admin sees why in the "
                           "events log")
# (URL prefix, answer) of the doors, for requests that match no route; the longest wins
_UNMATCHED = []


class BadRequest(VmfabricError):
    """The request is not JSON, or not the JSON this endpoint takes."""


def client_mistake(what):
    """Recorded for the request's one log line (a warning): a client's mistake has no traceback."""
    g.failure = what


def _ours(answer):
    def handle(exc):
        status, code = next((s, c) for kind, s, c in STATUS if isinstance(exc, kind))
        if status < 500:
            client_mistake(str(exc))
        message = str(exc)
        user = g.get("user")
        if isinstance(exc, HypervisorError) and (user is None or not user.is_admin):
            # what a host answered is the fleet's business: no addresses, ports or causes
            log.warning("%s: for a member: %s", g.get("request_id"), message)
            message = MEMBER_HYPERVISOR_ERROR
        return answer(status, code, message, exc)
    return handle


def _http(answer):
    def handle(exc):
        return answer(exc.code, HTTP_CODES.get(exc.code, "bad_request"),
                      exc.description or exc.name, exc)
    return handle


def _unexpected(answer):
    def handle(exc):
        if isinstance(exc, HTTPException):
            return _http(answer)(exc)
        log.exception("unhandled error on %s %s", request.method, request.path[:200])
        return answer(500, "internal", "internal error; see the server log", exc)
    return handle


def install_door(target, answer):
    """Register on TARGET (a blueprint, or the app) the handlers answering with ANSWER."""
    target.register_error_handler(VmfabricError, _ours(answer))
    target.register_error_handler(HTTPException, _http(answer))
    target.register_error_handler(Exception, _unexpected(answer))


def register_unmatched(prefix, answer):
    """ANSWER answers requests under PREFIX that match no route."""
    _UNMATCHED.append((prefix, answer))
    _UNMATCHED.sort(key=lambda entry: -len(entry[0]))


def install(app):
    """The app's own handlers: for requests no door's route matched."""
    def answer(status, code, message, exc):
        for prefix, door_answer in _UNMATCHED:
            if request.path == prefix.rstrip("/") or request.path.startswith(prefix):
                return door_answer(status, code, message, exc)
        raise RuntimeError("no door answers unmatched URLs")  # the seed API takes "/"
    install_door(app, answer)
