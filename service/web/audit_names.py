"""The audit trail's public names: each state-changing route's action (`vm.create`, not the
endpoint `v1.create_vms`) and the object it acted on (`vm 12`, not the URL it was asked
at), and the actions the server takes itself. `GET /events?action=` takes these names only.
"""

import re

from werkzeug.exceptions import HTTPException

# endpoint -> action; the routes whose action is in the request say it themselves (below)
ACTIONS = {
    "v1.create_vms": "vm.create", "seed.vm_create": "vm.create", "ui.create_vm": "vm.create",
    "v1.delete_vm": "vm.delete", "seed.vm_destroy": "vm.delete",
    "v1.set_autoscale": "vm.autoscale.set", "v1.remove_autoscale": "vm.autoscale.remove",
    "v1.take_snapshot": "snapshot.create", "v1.delete_snapshot": "snapshot.delete",
    "v1.revert_snapshot": "snapshot.revert",
    "v1.create_cluster": "cluster.create", "v1.destroy_cluster": "cluster.delete",
    "v1.add_nodes": "cluster.grow", "v1.run_on_cluster": "cluster.run",
    "v1.set_cluster_autoscale": "cluster.autoscale.set",
    "v1.remove_cluster_autoscale": "cluster.autoscale.remove",
    "ui.create_volume": "volume.create", "ui.destroy_volume": "volume.delete",
    "ui.console_socket": "vm.console",
    "ui.resize_vm": "vm.resize", "ui.migrate_vm": "vm.migrate", "ui.snapshot_vm": "snapshot.create",
    "v1.create_image": "image.create", "ui.upload_image": "image.create",
    "v1.delete_image": "image.delete", "ui.delete_image": "image.delete",
    "v1.create_type": "type.create", "v1.change_type": "type.change",
    "v1.delete_type": "type.delete",
    "v1.add_pm": "pm.add", "v1.drain_pm": "pm.drain", "v1.enable_pm": "pm.enable",
    "v1.evacuate_pm": "pm.evacuate", "v1.fence_pm": "pm.fence", "v1.rekey": "pm.rekey",
    "v1.remove_pm": "pm.remove",
    "v1.discover": "pm.discover", "v1.set_policy": "policy.set", "v1.rebalance": "rebalance",
    "v1.create_token": "token.create", "v1.revoke_token": "token.revoke",
    "ui.login": "token.create", "ui.logout": "token.revoke",
    "v1.create_user": "user.create", "v1.delete_user": "user.delete",
    "v1.set_quota": "user.quota",
    "v1.create_volume": "volume.create", "seed_volumes.volume_create": "volume.create",
    "v1.destroy_volume": "volume.delete", "seed_volumes.volume_destroy": "volume.delete",
    "seed_volumes.volume_attach": "volume.attach", "seed_volumes.volume_detach": "volume.detach",
}
VM_ACTIONS = ("start", "stop", "shutdown", "reboot", "pause", "resume", "resize", "migrate")
VOLUME_ACTIONS = ("attach", "detach")
# what the server does by itself (service/compute/shutdowns.py, service/rebalance/auto.py,
# service/usage/vertical.py and horizontal.py)
SYSTEM = ("sync.shutdown", "rebalance.auto", "autoscale", "autoscale.cluster")
KNOWN = frozenset(ACTIONS.values()) | {f"vm.{a}" for a in VM_ACTIONS} \
    | {f"volume.{a}" for a in VOLUME_ACTIONS} | frozenset(SYSTEM)
KINDS = {"vms": "vm", "clusters": "cluster", "images": "image", "pms": "pm", "volumes": "volume",
         "tokens": "token", "types": "type", "users": "user"}
OBJECT = re.compile(r"^/(?:api/v1|ui)/(?P<kind>[a-z]+)/(?P<id>[^/]+)")


def action_of(req):
    """REQ's public action name (an unmapped endpoint keeps its own name)."""
    endpoint = req.endpoint or "-"
    if endpoint in ("v1.vm_action", "v1.volume_action"):
        said = _said_action(req)
        kind = "vm" if endpoint == "v1.vm_action" else "volume"
        return f"{kind}.{said}" if isinstance(said, str) and f"{kind}.{said}" in KNOWN \
            else f"{kind}.action"
    if endpoint == "ui.act_on_vm":
        said = (req.view_args or {}).get("action", "")
        return "vm.delete" if said == "destroy" else f"vm.{said}"[:64]
    if endpoint == "ui.act_on_cluster":
        said = (req.view_args or {}).get("action", "")
        return {"grow": "cluster.grow", "destroy": "cluster.delete"}.get(said, "cluster.action")
    if endpoint in ("ui.snapshot_action", "ui.volume_action"):
        said = (req.view_args or {}).get("action", "")
        return f"{'snapshot' if endpoint == 'ui.snapshot_action' else 'volume'}.{said}"[:64]
    return ACTIONS.get(endpoint, endpoint)


def _said_action(req):
    """The "action" of REQ's JSON body, if it had one the view could read."""
    try:
        body = req.get_json(silent=True, cache=True)
    except HTTPException:  # a body over the limit, refused before any view read it
        return None
    return body.get("action") if isinstance(body, dict) else None


def target_of(req, response):
    """The object REQ acted on: the one it made (its Location, or the seed API's answer), the
    one its URL names, or the one its query names; else its path."""
    location = response.headers.get("Location", "")
    made = OBJECT.match(location) if response.status_code == 201 else None
    if made:
        return target(KINDS.get(made["kind"], made["kind"]), made["id"])
    if response.status_code < 400 and req.endpoint in MADE_BY_BODY:
        found = MADE_BY_BODY[req.endpoint](response.get_json(silent=True) or {})
        if found:
            kind, ident = found
            return target(kind, ident)
    named = OBJECT.match(req.path)
    if named and named["kind"] in KINDS:
        return target(KINDS[named["kind"]], named["id"])
    for arg, kind in (("vmid", "vm"), ("volumeid", "volume")):
        if req.args.get(arg, "").isdigit():
            return target(kind, req.args[arg])
    return req.path


def target(kind, ident):
    return f"{kind} {ident}"


def _made_vms(body):
    if isinstance(body.get("vmid"), int) and body["vmid"] > 0:
        return "vm", body["vmid"]
    ids = [str(vm["id"]) for vm in body.get("vms") or [] if isinstance(vm, dict) and "id" in vm]
    return ("vm", ", ".join(ids)) if ids else None


def _made_user(body):
    return ("user", body["user"]["username"]) if isinstance(body.get("user"), dict) else None


def _made_token(body):
    return ("token", body["id"]) if isinstance(body.get("id"), int) else None


# creates whose answer (not a Location) names what they made
MADE_BY_BODY = {"v1.create_vms": _made_vms, "seed.vm_create": _made_vms,
                "v1.create_user": _made_user, "v1.create_token": _made_token,
                "seed_volumes.volume_create": lambda body: ("volume", body["volumeid"])
                if isinstance(body.get("volumeid"), int) and body["volumeid"] > 0 else None}
