"""The service context of the app handling the current request."""

from flask import current_app


def ctx():
    """The Context (store, fleet, compute ...) the running app was built with."""
    return current_app.config["VMFABRIC"]
