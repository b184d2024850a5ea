"""The dashboard's page and the parts of it that htmx refreshes every few seconds."""

from flask import g, redirect, render_template

from service.telemetry import series
from service.web import access
from service.web.access import DASHBOARD
from service.web.context import ctx
from service.web import present
from service.ui import catalog, group_actions
from service.ui.door import blueprint

PARTS = ("hosts", "vms", "clusters", "volumes", "images", "types", "jobs", "events")


def _signed_in():
    return g.get("user") is not None


@blueprint.get("/")
@access.rule(DASHBOARD)
def dashboard():
    if not _signed_in():
        return redirect("/ui/login", code=303)
    store = ctx().store
    quota = ctx().quotas.usage(store, g.user)
    room = {name: None if q["limit"] is None else max(0, q["limit"] - q["used"])
            for name, q in quota.items()}
    types = [dict(t, fits=_fits(t, room)) for t in store.catalog.types() if not t["retired"]]
    return render_template("ui/dashboard.html", user=g.user, types=types, quota=quota,
                           room=room, images=[i for i in ctx().images.listing(g.user)
                                              if i["state"] == "active"],
                           parts=[p for p in PARTS if p != "hosts" or g.user.is_admin])


def _fits(itype, room):
    """Whether one VM of ITYPE fits what the user's quota has left (ROOM: None, no limit)."""
    asks = {"cpu": itype["cpu"], "ram_mb": itype["ram_mb"], "disk_gb": itype["disk_gb"],
            "vms": 1}
    return all(room.get(name) is None or amount <= room[name] for name, amount in asks.items())


def _part(name, **values):
    return render_template(f"ui/part_{name}.html", user=g.user, **values)


@blueprint.get("/part/<name>")
@access.rule(DASHBOARD)
def part(name):
    if not _signed_in():
        return "", 286  # htmx: stop polling; the next page load asks for a login
    if name not in PARTS or (name == "hosts" and not g.user.is_admin):
        return "", 404
    store, mine = ctx().store, access.scope()
    if name == "hosts":
        pms = store.pms.list()
        use = {row["id"]: row for row in series.latest(store, ctx().config["telemetry"], "pm",
                                                       pms)}
        return _part("hosts", pms=[present.pm(pm) for pm in pms], use=use)
    if name == "vms":
        return _part("vms", vms=present.vms(store.vms.list(user_id=mine), store))
    if name == "clusters":
        return group_actions.clusters_part()
    if name == "volumes":
        return group_actions.volumes_part()
    if name == "images":
        return catalog.images_part()
    if name == "types":
        return catalog.types_part()
    if name == "jobs":
        return _part("jobs", jobs=[present.job(j) for j in store.jobs.recent(8, mine)])
    return _part("events", events=store.events.list(user_id=mine, limit=12))


@blueprint.get("/vms/<id:vmid>/console")
@access.rule(DASHBOARD)
def console(vmid):
    if not _signed_in():
        return "", 286
    vm = ctx().store.vms.get(vmid)
    access.owned(vm.user_id, f"vm {vmid}")
    return render_template("ui/part_console.html", vm=vm, lines=ctx().compute.console(vmid, 40))
