"""/api/v1: the versioned REST API (resources, actions, OpenAPI document)."""

from service.api.v1 import (catalog, clusters, identity, metrics, pms, rebalance,  # noqa: F401
                            snapshots, vms, volumes)  # (their routes)
from service.api.v1.door import blueprint  # noqa: F401
