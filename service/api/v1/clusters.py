"""/api/v1/clusters: virtual clusters, their nodes, their Ansible inventory, programs run on them."""

import shlex

from flask import g, jsonify

from service.web import access
from service.web.access import MEMBER
from service.web.context import ctx
from service.api.v1.answers import accepted, created
from service.api.v1 import paging
from service.api.v1.door import blueprint
from service.web import present
from service.api.v1.validate import body
from service.clusters import MAX_SIZE
from service.errors import ValidationError
from service.usage import horizontal


def _view(cluster):
    return present.cluster(cluster, present.vms(ctx().clusters.nodes(cluster["id"]), ctx().store))


@blueprint.post("/clusters")
@access.rule(MEMBER)
def create_cluster():
    data = body("ClusterCreate")
    boot = ctx().compute.first_boot(data.get("ssh_keys"), data.get("user_data", ""))
    cluster, _ = ctx().clusters.create(data["name"], data["instance_type"], data["size"],
                                       data.get("placement", "spread"), data.get("image_id"), boot,
                                       user_id=g.user.id)
    return created(f"/api/v1/clusters/{cluster['id']}", cluster=_view(cluster))


def mine(cluster_id):
    """The cluster if the caller may see it (NotFound, never Forbidden, otherwise)."""
    cluster = ctx().store.clusters.get(cluster_id)
    access.owned(cluster["user_id"], f"cluster {cluster_id}")
    return cluster


@blueprint.get("/clusters")
@access.rule(MEMBER)
def list_clusters():
    mine_only = access.scope()
    rows = [c for c in ctx().store.clusters.list() if mine_only is None or c["user_id"] == mine_only]
    return paging.answer("clusters", rows, lambda chunk: [_view(c) for c in chunk])


@blueprint.get("/clusters/<id:cluster_id>")
@access.rule(MEMBER)
def show_cluster(cluster_id):
    return jsonify(cluster=_view(mine(cluster_id)))


@blueprint.put("/clusters/<id:cluster_id>/autoscale")
@access.rule(MEMBER)
def set_cluster_autoscale(cluster_id):
    mine(cluster_id)
    policy = horizontal.checked(body("ClusterAutoscale"), MAX_SIZE)
    ctx().store.clusters.set_autoscale(cluster_id, policy)
    return jsonify(cluster=_view(ctx().store.clusters.get(cluster_id)))


@blueprint.delete("/clusters/<id:cluster_id>/autoscale")
@access.rule(MEMBER)
def remove_cluster_autoscale(cluster_id):
    mine(cluster_id)
    ctx().store.clusters.set_autoscale(cluster_id, {})
    return jsonify(cluster=_view(ctx().store.clusters.get(cluster_id)))


@blueprint.post("/clusters/<id:cluster_id>/nodes")
@access.rule(MEMBER)
def add_nodes(cluster_id):
    mine(cluster_id)
    data = body("ClusterNodes")
    added = ctx().clusters.add_nodes(cluster_id, data["count"])
    return created(cluster=_view(ctx().store.clusters.get(cluster_id)),
                   added=present.vms(added, ctx().store))


@blueprint.delete("/clusters/<id:cluster_id>")
@access.rule(MEMBER)
def destroy_cluster(cluster_id):
    """Every node destroyed ('pending': nodes whose host must answer first), then the cluster."""
    mine(cluster_id)
    return jsonify(ctx().clusters.destroy(cluster_id))


@blueprint.get("/clusters/<id:cluster_id>/inventory")
@access.rule(MEMBER)
def cluster_inventory(cluster_id):
    """The cluster's Ansible inventory (the same as inventory/clusters/OWNER/NAME.yml), as JSON."""
    mine(cluster_id)
    return jsonify(ctx().clusters.inventory(cluster_id, for_admin=g.user.is_admin))


@blueprint.post("/clusters/<id:cluster_id>/run")
@access.rule(MEMBER)
def run_on_cluster(cluster_id):
    """Run a program (a script) or a command on every node at once: 202 and a job to poll."""
    mine(cluster_id)
    data = body("ClusterRun")
    if ("program" in data) == ("command" in data):
        raise ValidationError("program: give a program or a command, one of them", field="program")
    program = data.get("program") or "#!/bin/sh\nexec " + shlex.join(data["command"]) + "\n"
    return accepted(ctx().clusters.run(cluster_id, program, user_id=g.user.id))
