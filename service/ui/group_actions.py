"""What the dashboard does to clusters and volumes: a cluster grown by a node or destroyed, a
volume made or destroyed, through the same services and rules as /api/v1. Each answers its
part, refreshed, with a line saying what happened."""

from flask import g, render_template, request

from service.errors import ValidationError
from service.ui.door import blueprint, signed_in
from service.web import access, present
from service.web.access import DASHBOARD
from service.web.context import ctx


def clusters_part(message=None):
    mine = access.scope()
    rows = [c for c in ctx().store.clusters.list() if mine is None or c["user_id"] == mine]
    return render_template("ui/part_clusters.html", user=g.user, clusters=rows, message=message)


def volumes_part(message=None):
    rows = [present.volume(v) for v in ctx().store.volumes.list(access.scope())]
    return render_template("ui/part_volumes.html", user=g.user, volumes=rows, message=message)


@blueprint.post("/clusters/<id:cluster_id>/<action>")
@access.rule(DASHBOARD)
def act_on_cluster(cluster_id, action):
    signed_in()
    cluster = ctx().store.clusters.get(cluster_id)
    access.owned(cluster["user_id"], f"cluster {cluster_id}")
    if action == "grow":
        added = ctx().clusters.add_nodes(cluster_id, 1)
        return clusters_part(f"cluster {cluster['name']}: {', '.join(vm.name for vm in added)} "
                             "added")
    if action == "destroy":
        done = ctx().clusters.destroy(cluster_id)
        return clusters_part(f"cluster {cluster['name']}: {len(done['destroyed'])} node(s) "
                             "destroyed" + (f", {len(done['pending'])} waiting for their host"
                                            if done["pending"] else ""))
    raise ValidationError("action: grow or destroy", field="action")


@blueprint.post("/volumes")
@access.rule(DASHBOARD)
def create_volume():
    user = signed_in()
    size = request.form.get("size", "").strip()
    if not size.isascii() or not size.isdigit():
        raise ValidationError(f"size: a whole number of GB, not {size[:20]!r}", field="size")
    volume = ctx().volumes.create(request.form.get("name", "").strip(), int(size),
                                  user_id=user.id)
    return volumes_part(f"volume {volume.name} ({volume.size_gb} GB) made")


@blueprint.post("/volumes/<id:volume_id>/destroy")
@access.rule(DASHBOARD)
def destroy_volume(volume_id):
    volume = ctx().volumes.owned(volume_id, signed_in())
    ctx().volumes.destroy(volume.id)
    return volumes_part(f"volume {volume.name} destroyed")
