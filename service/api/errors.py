"""One error boundary for HTTP: our exceptions become status codes and one JSON shape.

/api/v1 answers ``{"error": {"code", "message"}}``; every other URL answers the
seed specification's ``0``.
"""

import logging

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from service.errors import (ConfigError, Conflict, HypervisorError, NoCapacity, NotFound,
                            ValidationError, VmfabricError)

log = logging.getLogger("vmfabric.api")

# most specific first
STATUS = (
    (NoCapacity, 409, "no_capacity"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (ValidationError, 422, "invalid"),
    (ConfigError, 422, "invalid"),
    (HypervisorError, 502, "hypervisor_error"),
    (VmfabricError, 400, "bad_request"),
)


class BadRequest(VmfabricError):
    """The request is not JSON, or not the JSON this endpoint takes."""


def error_response(status, code, message):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    return response


def _is_v1():
    return request.path.startswith("/api/v1")


def install(app):
    @app.errorhandler(VmfabricError)
    def _ours(exc):
        if not _is_v1():
            return jsonify(0)
        status, code = next((s, c) for kind, s, c in STATUS if isinstance(exc, kind))
        return error_response(status, code, str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc):
        if not _is_v1():
            return jsonify(0)  # "any other URL returns 0"
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.code, "bad_request")
        return error_response(exc.code, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not _is_v1():
            return jsonify(0)
        return error_response(500, "internal", "internal error; see the server log")
