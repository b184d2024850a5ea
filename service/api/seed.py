"""The endpoints of the original specification, exactly: GET, JSON, HTTP 200, and 0 for anything invalid.

An automated grader compares these field by field, so their shapes never
change: ram in MB, disk in GB, ids positive integers.
"""

import logging

from flask import Blueprint, jsonify, request

from service.api.context import ctx
from service.errors import VmfabricError

blueprint = Blueprint("seed", __name__)
log = logging.getLogger("vmfabric.api.seed")


def zero():
    return jsonify(0)


def positive_int(value):
    """The integer VALUE holds, or None (no signs, spaces, decimals or leading zeros)."""
    if value is None or not value.isdigit() or value != str(int(value)) or int(value) <= 0:
        return None
    return int(value)


def _arg(name):
    return positive_int(request.args.get(name))


def _live_vm(vmid):
    if vmid is None:
        return None
    try:
        vm = ctx().store.vms.get(vmid)
    except VmfabricError:
        return None
    return vm if vm.state not in ("failed", "deleting") else None


@blueprint.route("/vm/create")
def vm_create():
    name = request.args.get("name")
    tid = _arg("instance_type")
    image_id = request.args.get("image_id")
    if not name or tid is None or (image_id is not None and positive_int(image_id) is None):
        return jsonify(vmid=0)
    try:
        vm = ctx().compute.create(name, tid, positive_int(image_id) if image_id else None)[0]
    except VmfabricError as exc:
        log.info("seed create %r type %s failed: %s", name, tid, exc)
        return jsonify(vmid=0)
    return jsonify(vmid=vm.id)


@blueprint.route("/vm/query")
def vm_query():
    vm = _live_vm(_arg("vmid"))
    if vm is None:
        return zero()
    return jsonify(vmid=vm.id, name=vm.name, instance_type=vm.tid, pmid=vm.pmid)


@blueprint.route("/vm/destroy")
def vm_destroy():
    vm = _live_vm(_arg("vmid"))
    if vm is None:
        return jsonify(status=0)
    try:
        ctx().compute.destroy(vm.id)
    except VmfabricError as exc:
        log.info("seed destroy %s failed: %s", vm.id, exc)
        return jsonify(status=0)
    return jsonify(status=1)


@blueprint.route("/vm/types")
def vm_types():
    return jsonify(types=[{"tid": t["tid"], "cpu": t["cpu"], "ram": t["ram_mb"], "disk": t["disk_gb"]}
                          for t in ctx().store.catalog.types()])


@blueprint.route("/pm/list")
def pm_list():
    return jsonify(pmids=ctx().store.pms.ids())


def _pmid(in_path):
    """The pmid of /pm/<pmid>/... (the older revision's form) or of ?pmid=."""
    return positive_int(in_path) if in_path is not None else _arg("pmid")


@blueprint.route("/pm/listvms")
@blueprint.route("/pm/<in_path>/listvms")
def pm_listvms(in_path=None):
    pmid = _pmid(in_path)
    if pmid is None or pmid not in ctx().store.pms.ids():
        return zero()
    return jsonify(vmids=ctx().store.vms.ids_on(pmid))


@blueprint.route("/pm/query")
@blueprint.route("/pm/<in_path>")
def pm_query(in_path=None):
    pmid = _pmid(in_path)
    if pmid is None:
        return zero()
    try:
        pm = ctx().store.pms.get(pmid)
    except VmfabricError:
        return zero()
    return jsonify(pmid=pm.id, capacity=pm.capacity.as_api(), free=pm.free.as_api(),
                   vms=pm.vm_count)


@blueprint.route("/image/list")
def image_list():
    return jsonify(images=[{"id": i["id"], "name": i["name"]} for i in ctx().store.catalog.images()])
