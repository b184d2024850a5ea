"""Who is calling, and may they: each route declares its rule beside itself; one mechanism
checks it before the view runs.

    @blueprint.get("/vms")
    @access.rule(MEMBER)
    def list_vms(): ...

OPEN: no token needed (one that is given says who asks). MEMBER: any user with an API token
(``Authorization: Bearer TOKEN``), who then sees and acts on their own resources only
(another's is 404, so its existence does not leak). ADMIN: admins only (403 for a member).
``by_action`` names actions of one route that need more (a migration is an admin's). A
route that declares nothing is admin-only, and the access tests fail until it declares.

SEED: the seed API (original graders call it with no credentials): ``open`` by default,
acting as the built-in account ``seed``; ``token`` wants a token (``?token=`` or the
header); ``off`` answers 404. Because it changes state with plain GETs, in ``open`` mode a
request a browser marks as cross-site (``Sec-Fetch-Site: cross-site``, or an ``Origin``
that is not this server) is refused, so no web page can drive it.

DASHBOARD: the web dashboard's session cookie (an API token); a change must come from the
dashboard's own page (an htmx request, not cross-site); ``form=True`` lets a plain form of
the dashboard's own origin in (its login). A websocket (the console) is a change too: its
``Origin`` must be the dashboard's.
"""

import dataclasses
import urllib.parse

from flask import current_app, g, request

from service.errors import Forbidden, NotFound, Unauthorized

OPEN, MEMBER, ADMIN, SEED, DASHBOARD = "open", "member", "admin", "seed", "dashboard"
UI_COOKIE = "vmfabric_session"
READS = ("GET", "HEAD", "OPTIONS")


@dataclasses.dataclass(frozen=True)
class Rule:
    who: str
    by_action: dict = dataclasses.field(default_factory=dict)
    form: bool = False


FAIL_CLOSED = Rule(ADMIN)
# {blueprint name: Rule} for views a blueprint makes itself (its static files)
_DEFAULTS = {}


class SeedApiOff(NotFound):
    """The configuration switched the seed API off."""


def rule(who, by_action=None, form=False):
    """Declare the access rule of the view it decorates (see the module)."""
    declared = Rule(who, dict(by_action or {}), form)

    def mark(view):
        view.access_rule = declared
        return view
    return mark


def default(blueprint, who):
    """The rule of BLUEPRINT's views that declare none (the ones Flask makes: static files)."""
    _DEFAULTS[blueprint.name] = Rule(who)


def rule_of(view):
    """The rule VIEW declares, or None."""
    return getattr(view, "access_rule", None)


def current_rule(req=None):
    req = req or request._get_current_object()
    endpoint = req.endpoint
    view = current_app.view_functions.get(endpoint)
    return rule_of(view) or _DEFAULTS.get(endpoint.rpartition(".")[0] if endpoint else None) \
        or FAIL_CLOSED


def authenticate(req, state, context):
    """Set STATE.user (flask.g) for REQ, or raise Unauthorized / Forbidden / NotFound.

    (The request, g and the context are passed in, not reached through Flask's proxies:
    this runs on every request, and each proxy lookup costs a context-variable read.)
    """
    state.user = None
    if req.url_rule is None:
        return  # no such URL: its 404 needs no identity
    declared = current_rule(req)
    if declared.who == SEED:
        state.user = _seed_caller(req, context)
    elif declared.who == DASHBOARD:
        state.user = _dashboard_caller(req, context, declared)
    elif declared.who == OPEN:
        # an open route needs no token; one that is given only says who is asking
        token = bearer(req)
        try:
            state.user = context.tokens.user(token) if token else None
        except Unauthorized:
            state.user = None
    else:
        state.user = context.tokens.user(bearer(req))
        if declared.who == ADMIN and not state.user.is_admin:
            raise Forbidden(f"{req.method} {req.path[:200]} is for admins")


def require_action(action):
    """Forbidden when the route's rule gives ACTION to admins and the caller is not one."""
    if current_rule().by_action.get(action) == ADMIN and not (g.user and g.user.is_admin):
        raise Forbidden(f"{action} is for admins")


def bearer(req=None):
    header = (req or request).environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _dashboard_caller(req, context, declared):
    """The dashboard's user, from the session cookie (None when there is none or it is no
    longer good; the page then asks for a login). SameSite=Strict keeps the cookie off other
    sites' requests, and an htmx request carries a header no plain cross-site form can set."""
    token = req.cookies.get(UI_COOKIE)
    try:
        user = context.tokens.user(token) if token else None
    except Unauthorized:
        user = None
    upgrade = is_upgrade(req)
    if req.method in READS and not upgrade:
        return user
    if upgrade:
        # a console typed into is a change; browsers always say where a websocket comes from
        if cross_site(req) or not req.environ.get("HTTP_ORIGIN"):
            raise Forbidden("a console opens only from the dashboard's own page")
    elif cross_site(req) or (not declared.form and req.headers.get("HX-Request") != "true"):
        raise Forbidden("a change from the dashboard must come from its own page")
    return user


def _seed_caller(req, context):
    mode = context.config["seed_api"]
    if mode == "off":
        raise SeedApiOff("the seed API is switched off (seed_api: off)")
    if mode == "token":
        return context.tokens.user(bearer(req) or req.args.get("token"))
    if cross_site(req):
        raise Forbidden("a cross-site request to the seed API (open mode refuses them)")
    return context.accounts.seed_account()


def is_upgrade(req):
    """True when REQ asks to become a websocket (the console)."""
    return req.environ.get("HTTP_UPGRADE", "").lower() == "websocket"


def cross_site(req=None):
    req = req or request._get_current_object()
    environ = req.environ  # (WSGI's own keys: a header read costs a fraction of headers.get)
    if environ.get("HTTP_SEC_FETCH_SITE", "").lower() == "cross-site":
        return True
    origin = environ.get("HTTP_ORIGIN")
    if not origin:
        return False
    ours = urllib.parse.urlsplit(req.host_url)
    theirs = urllib.parse.urlsplit(origin)
    return (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc)


def owned(user_id, what):
    """NotFound (never Forbidden) unless the caller owns the object or is an admin."""
    user = g.user
    if user is not None and not user.is_admin and user_id != user.id:
        raise NotFound(f"no {what}")


def visible_vm(store, vmid):
    """VMID's VM if the caller may see it (NotFound, never Forbidden, otherwise)."""
    vm = store.vms.get(vmid)
    owned(vm.user_id, f"vm {vmid}")
    return vm


def scope():
    """The user id lists are limited to (None for an admin: everything)."""
    user = g.user
    return None if user is None or user.is_admin else user.id


def require_user():
    if g.get("user") is None:
        raise Unauthorized("a valid API token is needed (Authorization: Bearer TOKEN)")
    return g.user
