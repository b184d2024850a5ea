"""What the dashboard changes: VMs made, powered and destroyed through the same services (and
rules) as /api/v1. Each answers with the refreshed VM table and a line saying what happened."""

import re

from flask import g, render_template, request

from service.web import access
from service.web.access import DASHBOARD
from service.web.context import ctx
from service.web.ids import MAX_ID
from service.web import present
from service.compute.power import ALLOWED_FROM
from service.errors import ValidationError
from service.ui.door import blueprint, signed_in


def _vms(message, vmid=None):
    """The refreshed VM table with MESSAGE; or, for an action from VMID's own page, that
    page's detail part."""
    if vmid is not None and request.headers.get("HX-Target") == "vm-page":
        from service.ui.vm_page import detail

        return detail(vmid, message)
    store = ctx().store
    return render_template("ui/part_vms.html", user=g.user, message=message,
                           vms=present.vms(store.vms.list(user_id=access.scope()), store))


def _int(field, low=1, high=100, required=True):
    """Form field FIELD as a whole number in [LOW, HIGH], written in ASCII digits (str.isdigit
    also takes '²', which int() does not); None when it is empty and not REQUIRED."""
    raw = request.form.get(field, "").strip()
    if not raw and not required:
        return None
    if not re.fullmatch(r"[0-9]{1,10}", raw) or not low <= int(raw) <= high:
        raise ValidationError(f"{field}: a whole number from {low} to {high}, not {raw[:20]!r}",
                              field=field)
    return int(raw)


@blueprint.post("/vms")
@access.rule(DASHBOARD)
def create_vm():
    user = signed_in()
    keys = [line.strip() for line in request.form.get("ssh_keys", "").splitlines()
            if line.strip()]
    boot = ctx().compute.first_boot(keys or None, request.form.get("user_data", ""))
    made = ctx().compute.create(request.form.get("name", "").strip(),
                                _int("instance_type", 1, MAX_ID),
                                _int("image_id", 1, MAX_ID, required=False),
                                count=_int("count"),
                                placement="spread" if request.form.get("spread") else "pack",
                                boot=boot, user_id=user.id)
    names = ", ".join(f"{vm.name} (vm {vm.id})" for vm in made)
    return _vms(f"made {names}")


@blueprint.post("/vms/<id:vmid>/<action>")
@access.rule(DASHBOARD)
def act_on_vm(vmid, action):
    signed_in()
    vm = ctx().store.vms.get(vmid)
    access.owned(vm.user_id, f"vm {vmid}")
    if action == "destroy":
        done = ctx().compute.destroy(vmid)
        return _vms(f"vm {vmid} destroyed" if done == "destroyed" else
                    f"vm {vmid}: its host does not answer; it goes when the host is back")
    if action not in ALLOWED_FROM:
        raise ValidationError(f"action: one of {', '.join(ALLOWED_FROM)} or destroy",
                              field="action")
    after = ctx().compute.power(vmid, action)
    return _vms(f"vm {vmid}: {action} done, it is {after.state}", vmid)
