"""/api/v1's answer to anything that went wrong: ``{"error": {"code", "message"}}`` with the
status (405 with ``Allow``)."""

from flask import jsonify

from service.web import errors


def error_response(status, code, message, headers=None):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def answer(status, code, message, exc):
    allow = {k: v for k, v in exc.get_headers() if k.lower() == "allow"} \
        if hasattr(exc, "get_headers") and status == 405 else {}
    return error_response(status, code, message, headers=allow)


def install(blueprint):
    errors.install_door(blueprint, answer)


errors.register_unmatched("/api/v1/", answer)
