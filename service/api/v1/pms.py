"""/api/v1/pms: list, show, add a host, rediscover, accept a changed host key (jobs to poll)."""

from flask import g, jsonify

from service.web import access
from service.web.access import ADMIN, MEMBER
from service.web.context import ctx
from service.api.v1.answers import accepted
from service.api.v1 import paging
from service.api.v1.door import blueprint
from service.web import present
from service.api.v1.validate import body
from service.errors import NotFound


@blueprint.get("/pms")
@access.rule(ADMIN)
def list_pms():
    return paging.answer("pms", ctx().store.pms.list(),
                         lambda chunk: [present.pm(r) for r in chunk], lambda pm: pm.id)


@blueprint.get("/pms/<id:pmid>")
@access.rule(ADMIN)
def show_pm(pmid):
    return jsonify(pm=present.pm(ctx().store.pms.get(pmid)))


@blueprint.post("/pms")
@access.rule(ADMIN)
def add_pm():
    """Register the host (state 'new') and discover it as a job, like any rediscovery."""
    data = body("PmAdd")
    pm = ctx().fleet.add_host(data["address"], data.get("settings"))
    return accepted(ctx().jobs.discover([pm.id], user_id=g.user.id), pm=present.pm(pm))


@blueprint.post("/pms/discover")
@access.rule(ADMIN)
def discover():
    """202 and a job to poll; an open discovery that covers these hosts is returned instead."""
    data = body("Discover")
    pmids = data.get("pmids") or None
    if pmids:
        known = set(ctx().store.pms.ids())
        unknown = [pmid for pmid in pmids if pmid not in known]
        if unknown:
            raise NotFound(f"pmids: no pm {', '.join(map(str, unknown))}")
    return accepted(ctx().jobs.discover(pmids, user_id=g.user.id))


@blueprint.get("/pms/<id:pmid>/hostkeys")
@access.rule(ADMIN)
def host_keys(pmid):
    """Fingerprints of the keys recorded for the host and of those it presents now."""
    return jsonify(pmid=pmid, **ctx().fleet.host_keys(pmid))


@blueprint.post("/pms/<id:pmid>/rekey")
@access.rule(ADMIN)
def rekey(pmid):
    """Accept the host's current keys (one must have the given fingerprint), then rediscover it."""
    data = body("Rekey")
    ctx().fleet.rekey(pmid, data["fingerprint"])
    return accepted(ctx().jobs.discover([pmid], user_id=g.user.id))


@blueprint.get("/jobs")
@access.rule(MEMBER)
def list_jobs():
    """Newest first: a member's own jobs, an admin's every job."""
    mine = access.scope()
    return paging.newest_first(
        "jobs", lambda most, before: [present.job(j) for j in ctx().store.jobs.recent(
            most, mine, before)], lambda: ctx().store.jobs.count(mine))


@blueprint.get("/jobs/<id:job_id>")
@access.rule(MEMBER)
def show_job(job_id):
    job = ctx().store.jobs.get(job_id)
    access.owned(job["user_id"], f"job {job_id}")
    return jsonify(job=present.job(job))
