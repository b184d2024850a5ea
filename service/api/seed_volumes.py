"""The block-storage endpoints in the style of the seed API: GET, JSON, HTTP 200.

    /volume/create?name=N&size=G    {"volumeid": V}, or {"volumeid": 0}
    /volume/query?volumeid=V        {"volumeid", "name", "size", "status"} (+ "vmid" when
                                    attached; "deleted" once destroyed), or
                                    {"error": "volumeid : V does not exist"}
    /volume/destroy?volumeid=V      {"status": 1} or {"status": 0} (an attached one: 0)
    /volume/attach?vmid=M&volumeid=V, /volume/detach?volumeid=V   {"status": 1 | 0}

Anything malformed gets the failure answer (service/api/errors.py) and makes
nothing. The caller is the seed API's (service/api/auth.py).
"""

from flask import Blueprint, g, jsonify

from service.api import seed_errors
from service.web import access
from service.web.access import SEED

from service.web.context import ctx
from service.api.seed import arg, id_arg
from service.errors import ValidationError

blueprint = Blueprint("seed_volumes", __name__)
seed_errors.install(blueprint)
# what /volume/query says of a volume in each state
STATUS = {"available": "available", "attaching": "available", "attached": "attached",
          "detaching": "attached", "deleting": "available", "missing": "deleted",
          "deleted": "deleted"}
MAX_SIZE_DIGITS = 9


def _size():
    raw = arg("size")
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > MAX_SIZE_DIGITS \
            or raw != str(int(raw)) or int(raw) < 1:
        raise ValidationError(f"size: {str(raw)[:20]!r} is not a number of GB", field="size")
    return int(raw)


def _volume():
    return ctx().volumes.owned(id_arg("volumeid"), g.user)


@blueprint.route("/volume/create")
@access.rule(SEED)
def volume_create():
    name = arg("name")
    if not name:
        raise ValidationError("name: required", field="name")
    return jsonify(volumeid=ctx().volumes.create(name, _size(), user_id=g.user.id).id)


@blueprint.route("/volume/query")
@access.rule(SEED)
def volume_query():
    volume = _volume()
    answer = {"volumeid": volume.id, "name": volume.name, "size": volume.size_gb,
              "status": STATUS.get(volume.state, "available")}
    if answer["status"] == "attached":
        answer["vmid"] = volume.vmid
    return jsonify(answer)


@blueprint.route("/volume/destroy")
@access.rule(SEED)
def volume_destroy():
    ctx().volumes.destroy(_volume().id)
    return jsonify(status=1)


@blueprint.route("/volume/attach")
@access.rule(SEED)
def volume_attach():
    volume = _volume()
    vm = ctx().store.vms.get(id_arg("vmid"))
    if not g.user.is_admin and vm.user_id != g.user.id:
        raise ValidationError(f"vmid: no vm {vm.id}", field="vmid")
    ctx().volumes.attach(volume.id, vm.id)
    return jsonify(status=1)


@blueprint.route("/volume/detach")
@access.rule(SEED)
def volume_detach():
    ctx().volumes.detach(_volume().id)
    return jsonify(status=1)
