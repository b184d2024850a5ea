"""Everything the service needs, built once from the configuration and handed to whoever uses
it: each service gets the services it calls by constructor, and nothing reaches through
another to its parts."""

import dataclasses

from service import compute as compute_mod
from service.clusters import Clusters
from service.compute import Compute
from service.compute.shutdowns import Shutdowns
from service.catalog.images import ImageCatalog
from service.catalog.removal import ImageRemoval
from service.fleet import Fleet
from service.fencing.failover import Failover
from service.fencing.hosts import HostFencer
from service.hypervisor import Hypervisors
from service.identity.quotas import Quotas
from service.identity.tokens import Tokens
from service.identity.users import Accounts
from service.jobs import Jobs
from service.network.access import GuestAccess
from service.network.ipam import Allocator
from service.network.pools import pools_from_config
from service.placement.rules import MoveRules
from service.placement.scheduler import Scheduler
from service.process import Process
from service.rebalance.runner import Rebalancer
from service.storage.disks import SharedDisks
from service.store import Store
from service.volumes import Volumes


@dataclasses.dataclass
class Context:
    config: dict
    store: Store
    process: Process
    fleet: Fleet
    scheduler: Scheduler
    hypervisors: Hypervisors
    guest_access: GuestAccess
    quotas: Quotas
    rules: MoveRules
    shutdowns: Shutdowns
    compute: Compute
    jobs: Jobs
    clusters: Clusters
    tokens: Tokens
    accounts: Accounts
    volumes: Volumes
    rebalancer: Rebalancer
    images: ImageCatalog
    image_removal: ImageRemoval
    fencer: HostFencer

    def start(self):
        """Beat this process's heartbeat (a server's sync runs in its own process: sync/worker.py)."""
        self.process.start()
        return self

    def sync_services(self):
        """What the sync loop and start-up reconciliation are given to work with."""
        from service.sync.services import Services

        return Services(config=self.config, store=self.store, process=self.process,
                        hypervisors=self.hypervisors, compute=self.compute, jobs=self.jobs,
                        shutdowns=self.shutdowns, rebalancer=self.rebalancer,
                        clusters=self.clusters, image_removal=self.image_removal,
                        failover=Failover(self.config, self.store, self.compute, self.jobs,
                                          self.fencer, self.rebalancer))

    def close(self):
        """Stop the heartbeat and let go of every connection."""
        self.process.stop()
        self.hypervisors.close()
        self.store.dispose()


def build(config, keepalive=True):
    """The context for CONFIG; KEEPALIVE=False for a process that will fork (see Hypervisors)."""
    store = Store(config["database"])
    process = Process(store, config["sync"]["heartbeat"], config["sync"]["dead_after"])
    fleet = Fleet(config, store)
    ssh_config, ssh_wrapper = fleet.ssh_files()
    scheduler = Scheduler(config, store)
    hypervisors = Hypervisors(ssh_wrapper, config["libvirt"], keepalive=keepalive)
    pools = pools_from_config(config["networks"])
    guest_access = GuestAccess(config, store)
    quotas = Quotas(config["identity"]["default_quota"])
    shared = SharedDisks(config, store, ssh_config)
    rules = MoveRules(store, pools, shared)
    shutdowns = Shutdowns(store, hypervisors, config["compute"]["shutdown_timeout"])
    allocator = Allocator(pools, store)
    jobs = Jobs(store, fleet, process, config)
    compute = Compute(config, compute_mod.Services(
        store=store, scheduler=scheduler, hypervisors=hypervisors, process=process,
        guest_access=guest_access, jobs=jobs, allocator=allocator, quotas=quotas, rules=rules,
        shutdowns=shutdowns, shared=shared))
    clusters = Clusters(config, store, compute, jobs, guest_access, allocator)
    tokens = Tokens(store)
    accounts = Accounts(store, tokens, config["identity"]["token_ttl"])
    volumes = Volumes(store, hypervisors, process, quotas, config["compute"]["detach_timeout"])
    rebalancer = Rebalancer(store, compute, jobs, fleet, rules, config)
    images = ImageCatalog(config, store, jobs, process, quotas)
    image_removal = ImageRemoval(config, store, hypervisors, images)
    return Context(config, store, process, fleet, scheduler, hypervisors, guest_access, quotas,
                   rules, shutdowns, compute, jobs, clusters, tokens, accounts, volumes,
                   rebalancer, images, image_removal, HostFencer(store, config))
