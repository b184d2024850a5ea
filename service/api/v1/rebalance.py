"""/api/v1/rebalance and host maintenance: plans of migrations, applied as jobs (admins)."""

from flask import g, jsonify

from service.web.context import ctx
from service.api.v1.answers import accepted
from service.api.v1.door import blueprint
from service.web import access
from service.web.access import ADMIN
from service.web import present
from service.api.v1.validate import body

# the API's resource names as the rebalance model's
RESOURCE_KEYS = {"cpu": "cpu", "ram": "ram_mb", "disk": "disk_gb"}


def planned(plan, job):
    """200 with the plan, or 202 with the plan and the job applying it."""
    if job is None:
        return jsonify(plan=plan)
    return accepted(job, plan=plan)


@blueprint.post("/rebalance")
@access.rule(ADMIN)
def rebalance():
    data = body("RebalanceRequest")
    options = {"threshold": {RESOURCE_KEYS[k]: v for k, v in data.get("threshold", {}).items()},
               "max_moves": data.get("max_moves"),
               **{key: data[key] for key in ("target", "fill") if key in data}}
    plan = ctx().rebalancer.plan(data["goal"], options)
    dry_run = data.get("dry_run", True)
    return planned(plan, None if dry_run or not plan["moves"] else
                   ctx().rebalancer.apply(plan, user_id=g.user.id))


@blueprint.post("/pms/<id:pmid>/drain")
@access.rule(ADMIN)
def drain_pm(pmid):
    data = body("Drain")
    plan, job = ctx().rebalancer.drain(pmid, user_id=g.user.id, dry_run=data.get("dry_run", False))
    return planned(plan, job)


@blueprint.post("/pms/<id:pmid>/evacuate")
@access.rule(ADMIN)
def evacuate_pm(pmid):
    data = body("Evacuate")
    return accepted(ctx().rebalancer.evacuate(pmid, data["rebuild"], user_id=g.user.id))


@blueprint.post("/pms/<id:pmid>/enable")
@access.rule(ADMIN)
def enable_pm(pmid):
    return jsonify(pm=present.pm(ctx().rebalancer.enable(pmid)))


@blueprint.post("/pms/<id:pmid>/fence")
@access.rule(ADMIN)
def fence_pm(pmid):
    return jsonify(pm=present.pm(ctx().fencer.fence(pmid)))


@blueprint.post("/pms/<id:pmid>/remove")
@access.rule(ADMIN)
def remove_pm(pmid):
    return jsonify(pm=present.pm(ctx().rebalancer.remove(pmid)))
