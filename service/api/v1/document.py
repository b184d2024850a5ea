"""The OpenAPI document as the server serves it: the paths and schemas of openapi.py, each
operation's access (401, 403, security) taken from the rule its route declares
(service/web/access.py), the same declaration the check reads."""

import copy
import functools
import re

from service.api.v1 import naming_doc
from service.api.v1.openapi import BASE
from service.api.v1.spec import ERR

V1 = "/api/v1"
CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@functools.lru_cache(maxsize=256)
def document_path(rule):
    """The OpenAPI path of a Flask url rule: /api/v1/vms/<id:vmid> -> /vms/{vmid}."""
    return CONVERTER.sub(r"{\1}", rule[len(V1):]) or "/"


def operations(app, endpoints=None):
    """{(METHOD, path): the access rule its route declares (None: none)} of APP's /api/v1;
    ENDPOINTS (a dict): filled with each one's view name."""
    from service.web import access

    found = {}
    for url_rule in app.url_map.iter_rules():
        if not url_rule.rule.startswith(V1 + "/"):
            continue
        declared = access.rule_of(app.view_functions[url_rule.endpoint])
        for method in url_rule.methods - {"HEAD", "OPTIONS"}:
            found[(method, document_path(url_rule.rule))] = declared
            if endpoints is not None:
                endpoints[(method, document_path(url_rule.rule))] = \
                    url_rule.endpoint.rpartition(".")[2]
    return found


def declared_rules():
    """operations() of a bare app of /api/v1's routes alone (no service behind it): what the
    access tests are generated from."""
    from flask import Flask

    from service.api.v1 import blueprint
    from service.web.ids import IdConverter

    app = Flask("vmfabric-routes")
    app.url_map.converters["id"] = IdConverter
    app.register_blueprint(blueprint, url_prefix=V1)
    return operations(app)


def document(app):
    """The document as APP serves it: each operation's 401, 403 and security follow the
    access rule its route declares (service/web/access.py), read from the same place the
    check reads it."""
    from service.web.access import MEMBER, OPEN

    cached = app.extensions.get("vmfabric.openapi")
    if cached is not None:
        return cached
    doc = copy.deepcopy(BASE)
    endpoints = {}
    for (method, path), declared in operations(app, endpoints).items():
        operation = doc["paths"].get(path, {}).get(method.lower())
        if operation is None or declared is None:
            continue
        naming_doc.describe(operation, path, endpoints[(method, path)])
        if declared.who == OPEN:
            operation["security"] = [{}, {"token": []}] if path == "/tokens" else []
            continue
        operation["responses"].setdefault("401", ERR["401"])
        if declared.who != MEMBER or declared.by_action:
            operation["responses"].setdefault("403", ERR["403"])
        operation["x-access"] = declared.who
    for item in doc["paths"].values():
        naming_doc.describe_shared(item)
    app.extensions["vmfabric.openapi"] = doc
    return doc
