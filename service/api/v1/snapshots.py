"""/api/v1/vms/{vmid}/snapshots: a VM's checkpoints, to revert to."""

from flask import jsonify

from service.web.context import ctx
from service.api.v1.answers import created
from service.api.v1.door import blueprint
from service.web import access
from service.web.access import MEMBER
from service.web import present
from service.api.v1.validate import body
from service.api.v1.vms import mine


def snapshot(row):
    return {"name": row["name"], "vm_state": row["vm_state"], "created_at": row["created_at"]}


@blueprint.post("/vms/<id:vmid>/snapshots")
@access.rule(MEMBER)
def take_snapshot(vmid):
    mine(vmid)
    data = body("SnapshotCreate")
    return created(snapshot=snapshot(ctx().compute.take_snapshot(vmid, data["name"])))


@blueprint.get("/vms/<id:vmid>/snapshots")
@access.rule(MEMBER)
def list_snapshots(vmid):
    mine(vmid)
    return jsonify(snapshots=[snapshot(row) for row in ctx().store.snapshots.of_vm(vmid)])


@blueprint.post("/vms/<id:vmid>/snapshots/<name>/revert")
@access.rule(MEMBER)
def revert_snapshot(vmid, name):
    mine(vmid)
    vm = ctx().compute.revert_to_snapshot(vmid, name)
    return jsonify(vm=present.vms([vm], ctx().store)[0])


@blueprint.delete("/vms/<id:vmid>/snapshots/<name>")
@access.rule(MEMBER)
def delete_snapshot(vmid, name):
    mine(vmid)
    ctx().compute.delete_snapshot(vmid, name)
    return "", 204
