"""/api/v1: the versioned REST API (resources, actions, OpenAPI document)."""

from flask import Blueprint

blueprint = Blueprint("v1", __name__)

from service.api.v1 import (catalog, clusters, identity, pms, rebalance, snapshots,  # noqa: E402,F401
                            vms, volumes, openapi)  # (routes)
