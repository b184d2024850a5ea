"""The audit trail's writer: every state-changing call becomes an event.

Recorded after the answer is made: who (the token's user, or the seed API's
account), what (the action's public name: service/web/audit_names.py), the
object acted on (`vm 12`; never the query string or the body, where tokens and
passwords travel), when, the request id and the outcome (the status and the
error, if any). The dashboard's changes are recorded as the API's are.
"""

import logging

from flask import Response, g, request

from service.web import access, audit_names
from service.web.context import ctx
from service.errors import VmfabricError

log = logging.getLogger("vmfabric.audit")
SEED_CHANGES = frozenset({"seed.vm_create", "seed.vm_destroy", "seed_volumes.volume_create",
                          "seed_volumes.volume_destroy", "seed_volumes.volume_attach",
                          "seed_volumes.volume_detach"})
READS = ("GET", "HEAD", "OPTIONS")
UI_CHANGES = frozenset({"ui.create_vm", "ui.act_on_vm", "ui.upload_image", "ui.delete_image",
                        "ui.resize_vm", "ui.migrate_vm", "ui.snapshot_vm", "ui.snapshot_action",
                        "ui.volume_action", "ui.act_on_cluster", "ui.create_volume",
                        "ui.destroy_volume"})


# sessions (websockets) opened by a GET: a console typed into changes the guest
UI_SESSIONS = frozenset({"ui.console_socket"})


def changes_state(req=None):
    req = req or request._get_current_object()
    method, endpoint = req.method, req.endpoint
    if endpoint is None or method in ("HEAD", "OPTIONS"):
        return False
    if endpoint in SEED_CHANGES:
        return True
    if endpoint in UI_SESSIONS:
        return access.is_upgrade(req)
    return method not in READS and (req.path.startswith("/api/v1") or endpoint in UI_CHANGES)


def record_opening():
    """The event of a session the current request opens (a console), recorded as it opens
    rather than when it ends."""
    record(Response(status=101))
    g.audited = True


def record(response, req=None):
    """The event of the request REQ (default: the current one) answered with RESPONSE."""
    if not changes_state(req) or g.get("audited"):
        return
    user = g.get("user")
    failure = g.get("failure")
    outcome = failure if failure else ("ok" if response.status_code < 400 else "failed")
    try:
        ctx().store.events.record(
            user_id=user.id if user else None, username=user.username if user else "-",
            action=audit_names.action_of(request), target=audit_names.target_of(request, response),
            request_id=g.get("request_id", ""), status=response.status_code, outcome=outcome)
    except VmfabricError as exc:  # the answer is made; a lost event is logged, not raised
        log.error("could not record the event of %s %s: %s", request.method, request.path, exc)
