"""/api/v1 tokens, users, quotas and the audit trail."""

from flask import g, jsonify, request

from service.web import access, audit_names
from service.web.access import ADMIN, MEMBER, OPEN
from service.web.context import ctx
from service.api.v1.answers import created
from service.api.v1 import paging
from service.api.v1.door import blueprint
from service.api.v1.validate import body, query_int, quote
from service.errors import ValidationError


def _user_view(user):
    return {"id": user.id, "username": user.username, "role": user.role,
            "quota": ctx().quotas.usage(ctx().store, user),
            "created_at": user.created_at}


@blueprint.post("/tokens")
@access.rule(OPEN)
def create_token():
    """A login ({username, password}) or, with a token, another token for the same user."""
    data = body("TokenCreate")
    if "username" in data or "password" in data:
        if "username" not in data or "password" not in data:
            raise ValidationError("password: a login needs username and password",
                                  field="password")
        token, token_id = ctx().accounts.login(data["username"], data["password"],
                                               data.get("name", "login"))
    else:
        user = access.require_user()
        token, token_id = ctx().accounts.issue_token(user, data.get("name", "token"),
                                                     data.get("ttl"))
    return created(token=token, id=token_id)


@blueprint.get("/tokens")
@access.rule(MEMBER)
def list_tokens():
    return paging.answer("tokens", ctx().store.users.tokens_of(g.user.id))


@blueprint.delete("/tokens/<id:token_id>")
@access.rule(MEMBER)
def revoke_token(token_id):
    ctx().accounts.revoke(g.user, token_id)
    return "", 204


@blueprint.get("/whoami")
@access.rule(MEMBER)
def whoami():
    return jsonify(user=_user_view(g.user))


@blueprint.get("/users")
@access.rule(ADMIN)
def list_users():
    return paging.answer("users", ctx().store.users.list(),
                         lambda chunk: [_user_view(u) for u in chunk], lambda u: u.id)


@blueprint.post("/users")
@access.rule(ADMIN)
def create_user():
    data = body("UserCreate")
    user = ctx().accounts.create(data["username"], data["password"], data.get("role", "member"))
    return created(user=_user_view(user))


@blueprint.delete("/users/<username>")
@access.rule(ADMIN)
def delete_user(username):
    ctx().accounts.delete(username)
    return "", 204


@blueprint.put("/users/<username>/quota")
@access.rule(ADMIN)
def set_quota(username):
    return jsonify(user=_user_view(ctx().accounts.set_quota(username, body("QuotaSet"))))


@blueprint.get("/events")
@access.rule(MEMBER)
def list_events():
    """Newest first; a member sees their own, an admin everyone's (or ?user=NAME's)."""
    mine = access.scope()
    action = request.args.get("action")
    if action is not None and action not in audit_names.KNOWN:
        raise ValidationError(f"action: {quote(action)} is no action; one of "
                              f"{', '.join(sorted(audit_names.KNOWN))}", field="action")
    filters = {"user_id": mine, "username": request.args.get("user") if mine is None else None,
               "action": action}
    before = query_int("before", None, 1, 2 ** 31 - 1)  # (the cursor's earlier name)
    return paging.newest_first(
        "events", lambda most, cursor: ctx().store.events.list(
            limit=most, before=cursor if cursor is not None else before, **filters),
        lambda: ctx().store.events.count(**filters))
