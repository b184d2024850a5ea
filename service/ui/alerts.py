"""What the dashboard shows when something is refused or fails: one line, in the page."""

from flask import render_template, request

from service.web import errors


# the dashboard's parts, each with an alert slot just above it (ui/dashboard.html)
SLOTTED = frozenset({"hosts", "vms", "clusters", "volumes", "images", "types", "jobs", "events",
                     "vm-page"})


def failure(status, message):
    """MESSAGE as an alert: for an htmx request, swapped in where the user is (the slot above
    the part the request was for, else the page's alert area; status 200, or htmx would not
    swap it); for a whole page, the page with the alert and STATUS."""
    body = render_template("ui/alert.html", message=message, status=status)
    if request.headers.get("HX-Request") == "true":
        target = request.headers.get("HX-Target", "")
        slot = f"#{target}-alerts" if target in SLOTTED else "#alerts"
        return body, 200, {"HX-Retarget": slot, "HX-Reswap": "innerHTML"}
    return render_template("ui/error.html", message=message, status=status), status


def answer(status, _code, message, _exc):
    return failure(status, message)


def install(blueprint):
    errors.install_door(blueprint, answer)


errors.register_unmatched("/ui/", answer)
