"""A page per VM in the dashboard: its state, addresses, host (admins), volumes, snapshots,
events and the last hour's usage graphs, with its actions (power, resize, snapshots, volumes; migrate for admins, with
the job's progress), through the same services and rules as /api/v1. Every action answers
the page's detail part, refreshed; a refusal is an alert just above it."""

from flask import g, redirect, render_template, request

from service.telemetry import series
from service.ui.door import blueprint, signed_in
from service.web import access, present
from service.web.access import DASHBOARD
from service.web.context import ctx
from service.web.audit_names import target
from service.errors import Forbidden, ValidationError


def _mine(vmid):
    signed_in()
    vm = ctx().store.vms.get(vmid)
    access.owned(vm.user_id, f"vm {vmid}")
    return vm


def _facts(vmid):
    """What the page and its detail part show of VMID (the caller's, or an admin's)."""
    store = ctx().store
    vm = _mine(vmid)
    volumes = [present.volume(v) for v in store.volumes.list(access.scope())]
    jobs = [present.job(j) for j in store.jobs.recent(20, access.scope())
            if j["kind"] == "migrate" and j["params"].get("vmid") == vmid][:1]
    return {"user": g.user, "vm": present.vms([vm], store)[0],
            "attached": [v for v in volumes if v["vmid"] == vmid],
            "available": [v for v in volumes if v["state"] == "available"],
            "snapshots": store.snapshots.of_vm(vmid),
            "types": [t for t in store.catalog.types() if not t["retired"]],
            "hosts": store.pms.list(state="up") if g.user.is_admin else [],
            "migration": jobs[0] if jobs else None,
            "events": store.events.list(target=target("vm", vmid), limit=10,
                                        user_id=access.scope())}


def detail(vmid, message=None):
    return render_template("ui/part_vm.html", message=message, **_facts(vmid))


@blueprint.get("/vms/<id:vmid>")
@access.rule(DASHBOARD)
def vm_page(vmid):
    if g.get("user") is None:
        return redirect("/ui/login", code=303)
    metrics = series.of(ctx().store, ctx().config["telemetry"], "vm", vmid, "1h")
    return render_template("ui/vm.html", metrics=metrics, **_facts(vmid))


@blueprint.get("/vms/<id:vmid>/detail")
@access.rule(DASHBOARD)
def vm_detail(vmid):
    if g.get("user") is None:
        return "", 286
    return detail(vmid)


@blueprint.post("/vms/<id:vmid>/resize")
@access.rule(DASHBOARD)
def resize_vm(vmid):
    _mine(vmid)
    tid = request.form.get("instance_type", "")
    if not tid.isascii() or not tid.isdigit():
        raise ValidationError("instance_type: choose a type", field="instance_type")
    after = ctx().compute.resize(vmid, tid=int(tid))
    return detail(vmid, f"resized to type {tid}" + (" (at its next start)"
                                                    if after.pending else ""))


@blueprint.post("/vms/<id:vmid>/migrate")
@access.rule(DASHBOARD)
def migrate_vm(vmid):
    _mine(vmid)
    if not g.user.is_admin:
        raise Forbidden("migrate is for admins")
    pmid = request.form.get("pmid", "")
    job = ctx().compute.migrate(vmid, int(pmid) if pmid.isascii() and pmid.isdigit() else None,
                                user_id=g.user.id)
    return detail(vmid, f"migrating (job {job['id']})")


@blueprint.post("/vms/<id:vmid>/snapshot")
@access.rule(DASHBOARD)
def snapshot_vm(vmid):
    _mine(vmid)
    name = request.form.get("name", "").strip()
    ctx().compute.take_snapshot(vmid, name)
    return detail(vmid, f"snapshot {name} taken")


@blueprint.post("/vms/<id:vmid>/snapshots/<name>/<action>")
@access.rule(DASHBOARD)
def snapshot_action(vmid, name, action):
    _mine(vmid)
    if action == "revert":
        ctx().compute.revert_to_snapshot(vmid, name)
    elif action == "delete":
        ctx().compute.delete_snapshot(vmid, name)
    else:
        raise ValidationError("action: revert or delete", field="action")
    return detail(vmid, f"snapshot {name}: {action} done")


@blueprint.post("/vms/<id:vmid>/volumes/<action>")
@access.rule(DASHBOARD)
def volume_action(vmid, action):
    _mine(vmid)
    raw = request.form.get("volume_id", "")
    if not raw.isascii() or not raw.isdigit():
        raise ValidationError("volume_id: choose a volume", field="volume_id")
    volume = ctx().volumes.owned(int(raw), g.user)
    if action == "attach":
        ctx().volumes.attach(volume.id, vmid)
    elif action == "detach":
        ctx().volumes.detach(volume.id)
    else:
        raise ValidationError("action: attach or detach", field="action")
    return detail(vmid, f"volume {volume.name}: {action} done")
