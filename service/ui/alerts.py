"""What the dashboard shows when something is refused or fails: one line, in the page."""

from flask import render_template, request

from service.web import errors


def failure(status, message):
    """MESSAGE as an alert: for an htmx request, swapped into the page's alert area (status
    200, or htmx would not swap it); for a whole page, the page with the alert and STATUS."""
    body = render_template("ui/alert.html", message=message, status=status)
    if request.headers.get("HX-Request") == "true":
        return body, 200, {"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"}
    return render_template("ui/error.html", message=message, status=status), status


def answer(status, _code, message, _exc):
    return failure(status, message)


def install(blueprint):
    errors.install_door(blueprint, answer)


errors.register_unmatched("/ui/", answer)
