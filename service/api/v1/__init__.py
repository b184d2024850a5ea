"""/api/v1: the versioned REST API (resources, actions, OpenAPI document)."""

from service.api.v1 import (autoscale, catalog, clusters, identity, images, metrics,  # noqa: F401
                            pms, rebalance, snapshots, vms, volumes)  # (their routes)
from service.api.v1.door import blueprint  # noqa: F401
