"""The web dashboard at /ui/: server-side templates (Jinja2) refreshed in parts by htmx.

It is a client of the same services and rules as /api/v1 (members see and act on
their own VMs, clusters, volumes and jobs; admins the fleet) with a session
cookie instead of a bearer header; the cookie holds an API token issued at
login. htmx and Pico CSS come from the npm registry at install time (install.sh
runs `npm ci` in service/ui) and are served from here: a page never asks
another site for anything.
"""

import os

from flask import Blueprint, abort, send_from_directory

HERE = os.path.dirname(os.path.abspath(__file__))
# the only files of node_modules the pages load
VENDOR = {
    "htmx.min.js": os.path.join(HERE, "node_modules", "htmx.org", "dist"),
    "pico.min.css": os.path.join(HERE, "node_modules", "@picocss", "pico", "css"),
}

blueprint = Blueprint("ui", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")


@blueprint.get("/vendor/<name>")
def vendor(name):
    if name not in VENDOR or not os.path.exists(os.path.join(VENDOR[name], name)):
        abort(404, f"{name}: not installed (run ./install.sh, which runs npm ci in service/ui)")
    return send_from_directory(VENDOR[name], name, max_age=3600)


from service.ui import actions, pages, session  # noqa: E402,F401  (routes)
