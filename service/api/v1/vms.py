"""/api/v1/vms: create, list, show, delete, power actions, console."""

from flask import g, jsonify, request

from service.web import access
from service.web.access import ADMIN, MEMBER
from service.web.context import ctx
from service.api.v1.answers import accepted, created
from service.api.v1 import paging
from service.api.v1.door import blueprint
from service.web import present
from service.api.v1.validate import body, query_int
from service.web.ids import MAX_ID
from service.api.v1.spec import LIMITS
from service.compute.destroy import DONE
from service.errors import Conflict, ValidationError


@blueprint.post("/vms")
@access.rule(MEMBER)
def create_vms():
    data = body("VmCreate")
    boot = ctx().compute.first_boot(data.get("ssh_keys"), data.get("user_data", ""))
    vms = ctx().compute.create(data["name"], data["instance_type"], data.get("image_id"),
                               count=data.get("count", 1),
                               placement=placement_of(data), boot=boot,
                               user_id=g.user.id, expected_use=data.get("expected_use"),
                               ha=data.get("ha"))
    return created(f"/api/v1/vms/{vms[0].id}" if len(vms) == 1 else None,
                   vms=present.vms(vms, ctx().store))


def placement_of(data):
    """pack or spread: "placement" (as clusters say it), or "preference", its earlier name."""
    return data.get("placement", data.get("preference", "pack"))


@blueprint.get("/vms")
@access.rule(MEMBER)
def list_vms():
    rows = ctx().store.vms.list(user_id=access.scope(), pmid=query_int("pmid", None, 1, MAX_ID),
                                state=request.args.get("state"), name=request.args.get("name"))
    offset = query_int("offset", 0, 0, LIMITS["offset"])  # (before cursors; still taken)
    return paging.answer("vms", rows[offset:], lambda chunk: present.vms(chunk, ctx().store),
                         lambda vm: vm.id)


@blueprint.get("/vms/<id:vmid>")
@access.rule(MEMBER)
def show_vm(vmid):
    """From the store, which the sync keeps true: a read never waits on a host."""
    return jsonify(vm=present.vms([mine(vmid)], ctx().store)[0])


def mine(vmid):
    """VMID's VM if the caller may see it (NotFound, never Forbidden, otherwise)."""
    return access.visible_vm(ctx().store, vmid)


@blueprint.get("/vms/<id:vmid>/ssh")
@access.rule(MEMBER)
def vm_ssh(vmid):
    """How to reach the guest: its address and the host key to verify it against."""
    vm = mine(vmid)
    addresses = ctx().store.addresses.of_vm(vmid)
    if not addresses or not vm.host_key:
        raise Conflict(f"vm {vmid} has no address on a guest network")
    key = " ".join(vm.host_key.split()[:2])
    # vmfabric's own key opens the guest when it is among the guest's keys (a path on the
    # server's machine: useful to an admin's CLI run there, and none of a member's business)
    ours = g.user.is_admin and set(ctx().compute.default_keys) & set(vm.ssh_keys)
    # the user the guest's cloud image logs in as (root unless the image says otherwise)
    login = ctx().store.catalog.image(vm.image_id)["login"] or "root"
    return jsonify(vmid=vmid, user=login, address=addresses[0].ip, host_key=key,
                   known_hosts_line=f"{addresses[0].ip} {key}",
                   identity_file=ctx().config["ssh"]["private_key"] if ours else None)


@blueprint.delete("/vms/<id:vmid>")
@access.rule(MEMBER)
def delete_vm(vmid):
    """204 when the VM is gone; 202 when its host must answer first (the sync finishes it)."""
    mine(vmid)
    if ctx().compute.destroy(vmid) == DONE:
        return "", 204
    return jsonify(vm=present.vms([ctx().store.vms.get(vmid)], ctx().store)[0]), 202


@blueprint.post("/vms/<id:vmid>/actions")
@access.rule(MEMBER, by_action={"migrate": ADMIN})
def vm_action(vmid):
    mine(vmid)
    data = body("VmAction")
    access.require_action(data["action"])  # (a migration is an admin's: it chooses hosts)
    if data["action"] == "migrate":
        return accepted(ctx().compute.migrate(vmid, data.get("pmid"), user_id=g.user.id))
    if "pmid" in data:
        raise ValidationError("pmid: only a migration takes a host", field="pmid")
    if "force" in data and data["action"] != "shutdown":
        raise ValidationError("force: only a shutdown takes it", field="force")
    sizes = {key: data[key] for key in ("instance_type", "cpu", "ram", "disk") if key in data}
    if data["action"] == "resize":
        vm = ctx().compute.resize(vmid, sizes.get("instance_type"), sizes.get("cpu"),
                                  sizes.get("ram"), sizes.get("disk"))
    elif sizes:
        raise ValidationError(f"{sorted(sizes)[0]}: only a resize takes sizes",
                              field=sorted(sizes)[0])
    else:
        vm = ctx().compute.power(vmid, data["action"], force=data.get("force", False))
    return jsonify(vm=present.vms([vm], ctx().store)[0])


@blueprint.get("/vms/<id:vmid>/console")
@access.rule(MEMBER)
def vm_console(vmid):
    lines = query_int("lines", 50, 1, LIMITS["lines"])
    mine(vmid)
    return jsonify(vmid=vmid, lines=ctx().compute.console(vmid, lines))

