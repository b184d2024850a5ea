"""/api/v1/vms/{id}/autoscale: a VM's vertical autoscaling policy (service/usage/vertical.py),
set and removed by its owner or an admin."""

from flask import jsonify

from service.api.v1.door import blueprint
from service.api.v1.validate import body
from service.api.v1.vms import mine
from service.usage import vertical
from service.web import access, present
from service.web.access import MEMBER
from service.web.context import ctx


@blueprint.put("/vms/<id:vmid>/autoscale")
@access.rule(MEMBER)
def set_autoscale(vmid):
    vm = mine(vmid)
    policy = vertical.checked(body("Autoscale"), vm)
    ctx().store.vms.set_autoscale(vmid, policy)
    return jsonify(vm=present.vms([ctx().store.vms.get(vmid)], ctx().store)[0])


@blueprint.delete("/vms/<id:vmid>/autoscale")
@access.rule(MEMBER)
def remove_autoscale(vmid):
    mine(vmid)
    ctx().store.vms.set_autoscale(vmid, {})
    return jsonify(vm=present.vms([ctx().store.vms.get(vmid)], ctx().store)[0])
