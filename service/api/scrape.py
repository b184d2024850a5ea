"""GET /metrics: the fleet for Prometheus (service/telemetry/prometheus.py).

Scraping needs an admin's API token (Prometheus: ``authorization: {credentials_file: ...}``):
the answer names every VM and host; or, with ``telemetry.listen``, the sync worker answers on
a loopback address with no token (service/telemetry/listener.py). Errors are answered as
/api/v1 answers them.
"""

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.v1 import errors as v1_errors
from service.telemetry.prometheus import registry
from service.web import access, errors
from service.web.access import ADMIN
from service.web.context import ctx

PATH = "/metrics"
blueprint = Blueprint("scrape", __name__)
errors.install_door(blueprint, v1_errors.answer)


@blueprint.get(PATH)
@access.rule(ADMIN)
def metrics():
    found = registry(ctx().store, ctx().config["telemetry"])
    return Response(generate_latest(found), mimetype=CONTENT_TYPE_LATEST)
