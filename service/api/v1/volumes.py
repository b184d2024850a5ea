"""/api/v1/volumes: block storage, attached to running guests."""

from flask import g, jsonify

from service.web import access
from service.web.access import MEMBER
from service.web.context import ctx
from service.api.v1.answers import created
from service.api.v1 import paging
from service.api.v1.door import blueprint
from service.web import present
from service.api.v1.validate import body
from service.errors import ValidationError


def mine(volume_id):
    return ctx().volumes.owned(volume_id, g.user)


@blueprint.post("/volumes")
@access.rule(MEMBER)
def create_volume():
    data = body("VolumeCreate")
    volume = ctx().volumes.create(data["name"], data["size"], user_id=g.user.id)
    return created(f"/api/v1/volumes/{volume.id}", volume=present.volume(volume))


@blueprint.get("/volumes")
@access.rule(MEMBER)
def list_volumes():
    return paging.answer("volumes", ctx().store.volumes.list(access.scope()),
                         lambda chunk: [present.volume(v) for v in chunk], lambda v: v.id)


@blueprint.get("/volumes/<id:volume_id>")
@access.rule(MEMBER)
def show_volume(volume_id):
    return jsonify(volume=present.volume(mine(volume_id)))


@blueprint.delete("/volumes/<id:volume_id>")
@access.rule(MEMBER)
def destroy_volume(volume_id):
    """Delete an available volume (409 while attached); its id answers 'deleted' from now on."""
    ctx().volumes.destroy(mine(volume_id).id)
    return "", 204


@blueprint.post("/volumes/<id:volume_id>/actions")
@access.rule(MEMBER)
def volume_action(volume_id):
    mine(volume_id)
    data = body("VolumeAction")
    if data["action"] == "attach":
        if "vmid" not in data:
            raise ValidationError("vmid: attach needs the vm", field="vmid")
        vm = ctx().store.vms.get(data["vmid"])
        access.owned(vm.user_id, f"vm {vm.id}")
        volume = ctx().volumes.attach(volume_id, vm.id)
    else:
        volume = ctx().volumes.detach(volume_id)
    return jsonify(volume=present.volume(volume))
