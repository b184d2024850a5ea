"""The seed API's answer to anything that went wrong: its own failure shape, HTTP 200.

``{"vmid": 0}`` for a create, ``{"status": 0}`` for a destroy or a volume action,
``{"volumeid": 0}`` for a volume create, ``{"error": "volumeid : V does not exist"}`` for a
volume query, ``0`` for anything else, whatever went wrong; the status is 200 unless the
caller is refused (401, 403), the seed API is off (404), the Host is not the server's
(400) or the body too large (413).
"""

from flask import jsonify, request

from service.errors import Forbidden, Unauthorized
from service.web import errors
from service.web.access import SeedApiOff
from service.web.guards import BadHost, BodyTooLarge

BY_ENDPOINT = {
    "seed.vm_create": {"vmid": 0}, "seed.vm_destroy": {"status": 0},
    "seed_volumes.volume_create": {"volumeid": 0},
    "seed_volumes.volume_query": lambda: volume_query_failure(),
    "seed_volumes.volume_destroy": {"status": 0}, "seed_volumes.volume_attach": {"status": 0},
    "seed_volumes.volume_detach": {"status": 0},
}
# the same for a seed URL asked with another method (it matches no route)
BY_PATH = {"/vm/create": {"vmid": 0}, "/vm/destroy": {"status": 0},
           "/volume/create": {"volumeid": 0}, "/volume/query": lambda: volume_query_failure(),
           "/volume/destroy": {"status": 0}, "/volume/attach": {"status": 0},
           "/volume/detach": {"status": 0}}
REFUSED = (Unauthorized, Forbidden, SeedApiOff, BadHost, BodyTooLarge)


def volume_query_failure():
    """/volume/query's failure answer names the id it was asked for."""
    raw = (request.args.get("volumeid") or "")[:40]
    return {"error": f"volumeid : {raw} does not exist"}


def failure(status=200):
    """The failure answer of the seed URL this request was for, with STATUS."""
    shape = BY_ENDPOINT.get(request.endpoint)
    if shape is None:
        shape = BY_PATH.get(request.path.rstrip("/"), 0)
    response = jsonify(shape() if callable(shape) else shape)
    response.status_code = status
    return response


def answer(status, _code, _message, exc):
    refused = isinstance(exc, REFUSED) or status == 413
    return failure(status if refused else 200)


def install(blueprint):
    errors.install_door(blueprint, answer)


errors.register_unmatched("/", answer)  # "any other URL returns 0"
