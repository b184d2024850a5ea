"""/api/v1: the versioned REST API (resources, actions, OpenAPI document)."""

from service.api.v1 import (catalog, clusters, identity, pms, rebalance,  # noqa: F401  (routes)
                            snapshots, vms, volumes)
from service.api.v1.door import blueprint  # noqa: F401
