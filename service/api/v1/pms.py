"""/api/v1/pms: list, show, add a host at runtime, rediscover (a job to poll)."""

from flask import jsonify

from service.api import ctx
from service.api.v1 import blueprint, present
from service.api.v1.validate import body
from service.errors import NotFound


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
    """202 and a job to poll; a discovery already running is returned instead of a second one."""
    data = body("Discover")
    pmids = data.get("pmids") or None
    if pmids:
        known = set(ctx().store.pms.ids())
        unknown = [pmid for pmid in pmids if pmid not in known]
        if unknown:
            raise NotFound(f"pmids: no pm {', '.join(map(str, unknown))}")
    job = ctx().jobs.discover(pmids)
    response = jsonify(job=present.job(job))
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/jobs/{job['id']}"
    return response


@blueprint.get("/jobs/<int:job_id>")
def show_job(job_id):
    return jsonify(job=present.job(ctx().store.jobs.get(job_id)))
