"""/api/v1 images, instance types, the placement policy and health."""

from flask import jsonify

from service.api.context import ctx
from service.api.v1 import blueprint, present
from service.api.v1.validate import body
from service.placement.policies import POLICIES


@blueprint.get("/images")
def list_images():
    return jsonify(images=[present.image(r) for r in ctx().store.catalog.images()])


@blueprint.get("/types")
def list_types():
    return jsonify(types=[present.itype(r) for r in ctx().store.catalog.types()])


@blueprint.get("/policy")
def show_policy():
    return jsonify(policy=ctx().scheduler.policy_name, available=sorted(POLICIES))


@blueprint.put("/policy")
def set_policy():
    data = body("PolicySet")
    ctx().scheduler.set_policy(data["policy"])
    return jsonify(policy=ctx().scheduler.policy_name, available=sorted(POLICIES))


@blueprint.get("/health")
def health():
    pms = ctx().store.pms.list()
    return jsonify(status="ok", pms_up=sum(pm.state == "up" for pm in pms), pms=len(pms))
