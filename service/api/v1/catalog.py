"""/api/v1 images, instance types, the placement policy and health."""

from flask import current_app, jsonify

from service.web.context import ctx
from service.api.v1 import document
from service.api.v1.door import blueprint
from service.web import access
from service.web.access import ADMIN, MEMBER, OPEN
from service.web import present
from service.api.v1.validate import body
from service.placement.policies import POLICIES


@blueprint.get("/images")
@access.rule(MEMBER)
def list_images():
    return jsonify(images=[present.image(r) for r in ctx().store.catalog.images()])


@blueprint.get("/types")
@access.rule(MEMBER)
def list_types():
    return jsonify(types=[present.itype(r) for r in ctx().store.catalog.types()])


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
