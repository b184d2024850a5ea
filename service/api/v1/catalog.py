"""/api/v1 instance types, the placement policy and health."""

from flask import current_app, g, jsonify

from service.api.v1 import document, paging
from service.api.v1.answers import created
from service.api.v1.door import blueprint
from service.api.v1.validate import body
from service.catalog import types as types_mod
from service.errors import NotFound
from service.placement.policies import POLICIES
from service.web import access, present
from service.web.access import ADMIN, MEMBER, OPEN
from service.web.context import ctx


@blueprint.get("/types")
@access.rule(MEMBER)
def list_types():
    """Members see the types they may create VMs of; admins the retired ones too."""
    rows = [r for r in ctx().store.catalog.types() if g.user.is_admin or not r["retired"]]
    return paging.answer("types", rows, lambda chunk: [present.itype(r) for r in chunk],
                         lambda r: r["tid"])


@blueprint.post("/types")
@access.rule(ADMIN)
def create_type():
    row = types_mod.new_type(body("TypeCreate"))
    itype = ctx().store.catalog.add_type(row)
    return created(f"/api/v1/types/{itype['tid']}", type=present.itype(itype))


@blueprint.get("/types/<id:tid>")
@access.rule(MEMBER)
def show_type(tid):
    itype = ctx().store.catalog.type(tid)
    if itype["retired"] and not g.user.is_admin:
        raise NotFound(f"no instance type {tid}")
    return jsonify(type=present.itype(itype))


@blueprint.patch("/types/<id:tid>")
@access.rule(ADMIN)
def change_type(tid):
    values = types_mod.type_change(body("TypeChange"))
    return jsonify(type=present.itype(ctx().store.catalog.change_type(tid, values)))


@blueprint.delete("/types/<id:tid>")
@access.rule(ADMIN)
def delete_type(tid):
    ctx().store.catalog.delete_type(tid)
    return "", 204


@blueprint.get("/policy")
@access.rule(MEMBER)
def show_policy():
    return jsonify(policy=ctx().scheduler.policy_name, available=sorted(POLICIES))


@blueprint.put("/policy")
@access.rule(ADMIN)
def set_policy():
    data = body("PolicySet")
    ctx().scheduler.set_policy(data["policy"])
    return jsonify(policy=ctx().scheduler.policy_name, available=sorted(POLICIES))


@blueprint.get("/health")
@access.rule(OPEN)
def health():
    pms = ctx().store.pms.list()
    return jsonify(status="ok", pms_up=sum(pm.state == "up" for pm in pms), pms=len(pms))


@blueprint.get("/openapi.json")
@access.rule(OPEN)
def openapi_document():
    return jsonify(document.document(current_app))
