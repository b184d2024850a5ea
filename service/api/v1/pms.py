"""/api/v1/pms: list, show, add a host at runtime, rediscover."""

from flask import jsonify

from service.api import ctx
from service.api.v1 import blueprint, present
from service.api.v1.validate import body


@blueprint.get("/pms")
def list_pms():
    return jsonify(pms=[present.pm(r) for r in ctx().store.pms.list()])


@blueprint.get("/pms/<int:pmid>")
def show_pm(pmid):
    return jsonify(pm=present.pm(ctx().store.pms.get(pmid)))


@blueprint.post("/pms")
def add_pm():
    data = body("PmAdd")
    pm = ctx().fleet.add_host(data["address"], data.get("settings"))
    ctx().fleet.discover([pm["id"]])
    response = jsonify(pm=present.pm(ctx().store.pms.get(pm["id"])))
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/pms/{pm['id']}"
    return response


@blueprint.post("/pms/discover")
def discover():
    data = body("Discover")
    pms = ctx().fleet.discover(data.get("pmids"))
    return jsonify(pms=[present.pm(r) for r in pms])
