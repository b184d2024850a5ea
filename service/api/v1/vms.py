"""/api/v1/vms: create, list, show, delete, power actions, console."""

from flask import jsonify, request

from service.api.context import ctx
from service.api.v1 import blueprint, present
from service.api.v1.validate import body, query_int
from service.api.v1.openapi import LIMITS, MAX_ID
from service.compute.destroy import DONE


@blueprint.post("/vms")
def create_vms():
    data = body("VmCreate")
    vms = ctx().compute.create(data["name"], data["instance_type"], data.get("image_id"),
                               count=data.get("count", 1),
                               preference=data.get("preference", "pack"))
    response = jsonify(vms=[present.vm(v) for v in vms])
    response.status_code = 201
    if len(vms) == 1:
        response.headers["Location"] = f"/api/v1/vms/{vms[0].id}"
    return response


@blueprint.get("/vms")
def list_vms():
    rows = ctx().store.vms.list(pmid=query_int("pmid", None, 1, MAX_ID),
                                state=request.args.get("state"), name=request.args.get("name"),
                                limit=query_int("limit", 1000, 1, LIMITS["limit"]),
                                offset=query_int("offset", 0, 0, LIMITS["offset"]))
    return jsonify(vms=[present.vm(r) for r in rows])


@blueprint.get("/vms/<id:vmid>")
def show_vm(vmid):
    """From the store, which the sync keeps true: a read never waits on a host."""
    return jsonify(vm=present.vm(ctx().store.vms.get(vmid)))


@blueprint.delete("/vms/<id:vmid>")
def delete_vm(vmid):
    """204 when the VM is gone; 202 when its host must answer first (the sync finishes it)."""
    if ctx().compute.destroy(vmid) == DONE:
        return "", 204
    return jsonify(vm=present.vm(ctx().store.vms.get(vmid))), 202


@blueprint.post("/vms/<id:vmid>/actions")
def vm_action(vmid):
    data = body("VmAction")
    return jsonify(vm=present.vm(ctx().compute.power(vmid, data["action"])))


@blueprint.get("/vms/<id:vmid>/console")
def vm_console(vmid):
    lines = query_int("lines", 50, 1, LIMITS["lines"])
    return jsonify(vmid=vmid, lines=ctx().compute.console(vmid, lines))

