"""/api/v1: the versioned REST API (resources, actions, OpenAPI document)."""

from service.api.v1 import (autoscale, catalog, clusters, identity, metrics, pms,  # noqa: F401
                            rebalance, snapshots, vms, volumes)  # (their routes)
from service.api.v1.door import blueprint  # noqa: F401
