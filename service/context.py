"""Everything the service needs, built once from the configuration and passed around."""

import dataclasses

from service.clusters import Clusters
from service.compute import Compute
from service.fleet import Fleet
from service.hypervisor import Hypervisors
from service.identity.tokens import Tokens
from service.identity.users import Accounts
from service.jobs import Jobs
from service.network.access import GuestAccess
from service.placement.scheduler import Scheduler
from service.process import Process
from service.store import Store
from service.rebalance.runner import Rebalancer
from service.volumes import Volumes


@dataclasses.dataclass
class Context:
    config: dict
    store: Store
    process: Process
    fleet: Fleet
    scheduler: Scheduler
    hypervisors: Hypervisors
    compute: Compute
    jobs: Jobs
    clusters: Clusters
    tokens: Tokens
    accounts: Accounts
    volumes: Volumes
    rebalancer: Rebalancer
    sync: object = None

    def start(self, sync_loop=False):
        """Beat this process's heartbeat (and run the periodic sync loop, for a server)."""
        self.process.start()
        if sync_loop:
            from service.sync.loop import SyncLoop

            self.sync = SyncLoop(self).start()
        return self

    def close(self):
        """Stop the background threads and let go of every connection."""
        if self.sync is not None:
            self.sync.stop()
        self.process.stop()
        self.hypervisors.close()
        self.store.dispose()


def build(config, keepalive=True):
    """The context for CONFIG; KEEPALIVE=False for a process that will fork (see Hypervisors)."""
    store = Store(config["database"])
    process = Process(store, config["sync"]["heartbeat"], config["sync"]["dead_after"])
    fleet = Fleet(config, store)
    _, ssh_wrapper = fleet.ssh_files()
    scheduler = Scheduler(config, store)
    hypervisors = Hypervisors(ssh_wrapper, config["libvirt"], keepalive=keepalive)
    access = GuestAccess(config, store)
    jobs = Jobs(store, fleet, process, config)
    compute = Compute(config, store, scheduler, hypervisors, process, access, jobs)
    clusters = Clusters(config, store, compute, jobs)
    tokens = Tokens(store)
    accounts = Accounts(store, tokens, config["identity"]["token_ttl"])
    volumes = Volumes(store, hypervisors, process, compute.creator.quotas,
                      config["compute"]["detach_timeout"])
    rebalancer = Rebalancer(store, compute, jobs, fleet, process, compute.launcher.allocator.pools)
    return Context(config, store, process, fleet, scheduler, hypervisors, compute, jobs, clusters,
                   tokens, accounts, volumes, rebalancer)
