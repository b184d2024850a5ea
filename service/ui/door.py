"""The dashboard's blueprint: its pages answer errors as alerts, load nothing from another site
and are framed by no one; the vendored front-end files (htmx, Pico CSS, uPlot, xterm.js) are served here."""

import datetime
import os
import time

import markupsafe

from flask import Blueprint, abort, send_from_directory

from service.ui import alerts
from service.web import access
from service.web.access import DASHBOARD

HERE = os.path.dirname(os.path.abspath(__file__))
# the only files of node_modules the pages load
VENDOR = {
    "htmx.min.js": os.path.join(HERE, "node_modules", "htmx.org", "dist"),
    "pico.min.css": os.path.join(HERE, "node_modules", "@picocss", "pico", "css"),
    "uPlot.iife.min.js": os.path.join(HERE, "node_modules", "uplot", "dist"),
    "uPlot.min.css": os.path.join(HERE, "node_modules", "uplot", "dist"),
    "xterm.js": os.path.join(HERE, "node_modules", "@xterm", "xterm", "lib"),
    "xterm.css": os.path.join(HERE, "node_modules", "@xterm", "xterm", "css"),
    "addon-fit.js": os.path.join(HERE, "node_modules", "@xterm", "addon-fit", "lib"),
}

blueprint = Blueprint("ui", __name__, template_folder=os.path.join(HERE, "templates"),
                      static_folder=os.path.join(HERE, "static"), static_url_path="/static")
access.default(blueprint, DASHBOARD)  # its static files
alerts.install(blueprint)
# the dashboard loads nothing from anywhere but here, and is framed by no one
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def signed_in():
    """The dashboard's user of a change; Unauthorized (an alert asking to log in) when their
    session has ended."""
    from flask import g

    from service.errors import Unauthorized

    if g.get("user") is None:
        raise Unauthorized("log in again (your session has ended)")
    return g.user


@blueprint.app_template_filter("when")
def when(timestamp):
    """A <time> of TIMESTAMP: UTC in the page, turned into the reader's local time by
    static/times.js."""
    if not timestamp:
        return "-"
    moment = datetime.datetime.fromtimestamp(float(timestamp), datetime.timezone.utc)
    return markupsafe.Markup('<time datetime="{}">{}</time>').format(
        moment.isoformat(timespec="seconds"), moment.strftime("%Y-%m-%d %H:%M:%S UTC"))


@blueprint.app_template_filter("took")
def took(job):
    """How long JOB ran (so far, while it runs)."""
    end = job.get("finished_at") or time.time()
    seconds = max(0.0, end - job["created_at"])
    return f"{seconds:.1f} s" if seconds < 60 else f"{seconds // 60:.0f} min {seconds % 60:.0f} s"


@blueprint.after_request
def _shielded(response):
    response.headers.setdefault("Content-Security-Policy", CSP)  # (the console page's own)
    response.headers["X-Frame-Options"] = "DENY"
    return response


@blueprint.get("/vendor/<name>")
@access.rule(DASHBOARD)
def vendor(name):
    if name not in VENDOR or not os.path.exists(os.path.join(VENDOR[name], name)):
        abort(404, f"{name}: not installed (run ./install.sh, which runs npm ci in service/ui)")
    return send_from_directory(VENDOR[name], name, max_age=3600)
