"""The dashboard's usage pages: a VM's (its owner's or an admin's) and a host's (admins')
graphs of CPU and steal, memory, disk and network over 1 h, 24 h or 30 days, drawn in the
browser by uPlot from the series embedded in the page (service/telemetry/series.py)."""

from flask import g, redirect, render_template, request

from service.telemetry import history, series
from service.ui.door import blueprint
from service.web import access
from service.web.access import DASHBOARD
from service.web.context import ctx


def _range():
    name = request.args.get("range", "1h")
    return name if name in history.RANGES else "1h"


def _page(kind, oid, title):
    name = _range()
    metrics = series.of(ctx().store, ctx().config["telemetry"], kind, oid, name)
    return render_template("ui/usage.html", user=g.user, title=title, metrics=metrics,
                           ranges=list(history.RANGES), chosen=name, path=request.path)


@blueprint.get("/vms/<id:vmid>/usage")
@access.rule(DASHBOARD)
def vm_usage(vmid):
    if g.get("user") is None:
        return redirect("/ui/login", code=303)
    vm = ctx().store.vms.brief(vmid)
    access.owned(vm.user_id, f"vm {vmid}")
    return _page("vm", vmid, f"vm {vmid} ({vm.name})")


@blueprint.get("/pms/<id:pmid>/usage")
@access.rule(DASHBOARD)
def pm_usage(pmid):
    if g.get("user") is None:
        return redirect("/ui/login", code=303)
    if not g.user.is_admin:
        return "", 404  # (hosts are an admin's; a member is not told which exist)
    pm = ctx().store.pms.get(pmid)
    return _page("pm", pmid, f"pm {pmid} ({pm.address})")
