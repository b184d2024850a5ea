"""Everything the service needs, built once from the configuration and passed around."""

import dataclasses

from service.compute import Compute
from service.fleet import Fleet
from service.hypervisor import Hypervisors
from service.jobs import Jobs
from service.placement.scheduler import Scheduler
from service.store import Store


@dataclasses.dataclass
class Context:
    config: dict
    store: Store
    fleet: Fleet
    scheduler: Scheduler
    hypervisors: Hypervisors
    compute: Compute
    jobs: Jobs


def build(config):
    store = Store(config["database"])
    fleet = Fleet(config, store)
    _, ssh_wrapper = fleet.ssh_files()
    scheduler = Scheduler(config, store)
    hypervisors = Hypervisors(ssh_wrapper, config["libvirt"]["pool"])
    compute = Compute(config, store, scheduler, hypervisors)
    return Context(config, store, fleet, scheduler, hypervisors, compute, Jobs(store, fleet))
