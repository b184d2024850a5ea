"""What the sync loop works with, handed to it by the context's builder (context.py).

The sync sees hosts and the store, and hands work it takes over to the services that own
it: a VM's to Compute, a failed host's stale copies to the rebalancer's evacuations, a
shutdown's deadline to the shutdown watch, a failed host's `ha` VMs to the failover. Nothing else is in its reach.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Services:
    config: dict
    store: object
    process: object
    hypervisors: object
    compute: object
    jobs: object
    shutdowns: object
    rebalancer: object
    clusters: object
    image_removal: object
    failover: object
