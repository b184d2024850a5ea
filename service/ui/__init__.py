"""The web dashboard at /ui/: server-side templates (Jinja2) refreshed in parts by htmx.

It is a client of the same services and rules as /api/v1 (members see and act on
their own VMs, clusters, volumes and jobs; admins the fleet) with a session
cookie instead of a bearer header; the cookie holds an API token issued at
login. htmx and Pico CSS come from the npm registry at install time (install.sh
runs `npm ci` in service/ui) and are served from here: a page never asks
another site for anything.
"""

from service.ui import (actions, catalog, group_actions, pages, session, terminal,  # noqa: F401
                        usage, vm_page)  # (their routes)
from service.ui.door import blueprint  # noqa: F401
