"""Logging in and out of the dashboard: an API token in a session cookie.

The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's
request carries it) and, over HTTPS, Secure. Logging out revokes the token.
"""

from flask import g, redirect, render_template, request

from service.web import access
from service.web.access import DASHBOARD

from service.web.access import UI_COOKIE
from service.web.context import ctx
from service.errors import Unauthorized
from service.ui.door import blueprint


@blueprint.get("/login")
@access.rule(DASHBOARD)
def login_page():
    return render_template("ui/login.html")


@blueprint.post("/login")
@access.rule(DASHBOARD, form=True)
def login():
    username = request.form.get("username", "")[:64]
    try:
        token, _ = ctx().accounts.login(username, request.form.get("password", "")[:1024],
                                        name="dashboard")
    except Unauthorized:
        return render_template("ui/login.html", error="wrong username or password",
                               username=username), 401
    response = redirect("/ui/", code=303)
    response.set_cookie(UI_COOKIE, token, httponly=True, samesite="Strict",
                        secure=request.is_secure, path="/ui",
                        max_age=ctx().config["identity"]["token_ttl"])
    return response


@blueprint.post("/logout")
@access.rule(DASHBOARD)
def logout():
    token = request.cookies.get(UI_COOKIE)
    if token and g.user is not None:
        ctx().tokens.revoke(token)
    response = redirect("/ui/login", code=303)
    response.headers["HX-Redirect"] = "/ui/login"
    response.delete_cookie(UI_COOKIE, path="/ui")
    return response
