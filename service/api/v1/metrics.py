"""/api/v1/vms/{id}/metrics and /api/v1/pms/{id}/metrics: what a guest or host used
(service/telemetry), under the same rules as the objects: a member sees their own VMs',
never a host's."""

from flask import jsonify, request

from service.api.v1.door import blueprint
from service.api.v1.vms import mine
from service.errors import ValidationError
from service.telemetry import history, series
from service.web import access
from service.web.access import ADMIN, MEMBER
from service.web.context import ctx


def _range():
    name = request.args.get("range", "1h")
    if name not in history.RANGES:
        raise ValidationError(f"range: {name[:40]!r} is not one of {', '.join(history.RANGES)}",
                              field="range")
    return name


@blueprint.get("/vms/<id:vmid>/metrics")
@access.rule(MEMBER)
def vm_metrics(vmid):
    name = _range()
    mine(vmid)
    return jsonify(metrics=series.of(ctx().store, ctx().config["telemetry"], "vm", vmid, name))


@blueprint.get("/metrics/vms")
@access.rule(MEMBER)
def vms_now():
    """The last sample of every VM the caller may see (`vmfabric vm top`)."""
    vms = ctx().store.vms.briefs(user_id=access.scope())
    return jsonify(usage=series.latest(ctx().store, ctx().config["telemetry"], "vm", vms))


@blueprint.get("/metrics/pms")
@access.rule(ADMIN)
def pms_now():
    """The last sample of every host (`vmfabric pm top`)."""
    pms = ctx().store.pms.list()
    return jsonify(usage=series.latest(ctx().store, ctx().config["telemetry"], "pm", pms))


@blueprint.get("/pms/<id:pmid>/metrics")
@access.rule(ADMIN)
def pm_metrics(pmid):
    name = _range()
    ctx().store.pms.get(pmid)
    return jsonify(metrics=series.of(ctx().store, ctx().config["telemetry"], "pm", pmid, name))
