"""Where a VM that exists may go: the rules it was made under, held for every later move.

A VM moves only to a host of its kind (the same domain type, the guest
network its address is on, since it keeps its address, and the storage group
its disks are in when they are on shared storage) and never to a host
that holds another VM of its spread group (a spread cluster's nodes, a spread
batch). Migration, rebalance plans, drain and evacuation all ask here, so a
rule a VM was made under cannot be broken by whatever moves it later.
"""

from service.network import ipam


def spread_group_for(placement, cluster_id, batch, count):
    """The spread group of a VM made with PREFERENCE: its cluster's for a spread cluster's
    node, its batch's for a spread batch of several; None when no rule holds."""
    if placement != "spread":
        return None
    if cluster_id is not None:
        return f"cluster-{cluster_id}"
    return f"batch-{batch}" if count > 1 else None


class MoveRules:
    def __init__(self, store, pools, shared):
        self.store = store
        self.pools = pools
        self.shared = shared

    def network_of(self, vm):
        addresses = self.store.addresses.of_vm(vm.id)
        return addresses[0].network if addresses else None

    def kind(self, pm):
        """What makes hosts interchangeable for a VM: (domain type, guest network)."""
        attached = ipam.attachment(pm.settings, self.pools)
        return pm.domain_type, attached.network if attached else None

    def sibling_hosts(self, vm):
        """{pmid: vmid} of the hosts holding (or taking, mid-migration) another VM of VM's
        spread group."""
        return self.group_hosts(vm.spread_group, but=vm.id)

    def group_hosts(self, group, but=None):
        """{pmid: vmid} of the hosts holding (or taking) a VM of spread group GROUP, but BUT."""
        if not group:
            return {}
        held = {}
        for other in self.store.vms.in_spread_group(group):
            if other.id == but or other.state == "failed":
                continue
            for pmid in (other.pmid, other.target_pmid):
                if pmid is not None:
                    held.setdefault(pmid, other.id)
        return held

    def why_not(self, vm, source, pm, siblings=None):
        """Why PM cannot take VM (from SOURCE), or None when it may."""
        network = self.network_of(vm)
        domain_type, attached = self.kind(pm)
        if domain_type != source.domain_type:
            return f"{pm.label} runs {domain_type} guests, the VM is {source.domain_type}"
        if network is not None and attached != network:
            return f"{pm.label} does not put guests on network {network}, where the VM's " \
                   f"address is"
        if vm.storage and self.shared.group_of(pm) != vm.storage:
            return f"{pm.label} is not in storage group {vm.storage}, where the VM's disks are"
        siblings = self.sibling_hosts(vm) if siblings is None else siblings
        if pm.id in siblings:
            return (f"{pm.label} holds vm {siblings[pm.id]} of the same spread group "
                    f"({vm.spread_group}): its VMs stay on different hosts")
        return None

    def barred(self, vm, source):
        """The pmids VM may not move to from SOURCE: SOURCE, and every host these rules
        refuse it (what a move's placement excludes)."""
        allowed = self.allows(vm, source)
        return {pm.id for pm in self.store.pms.list() if pm.id == source.id or not allowed(pm)}

    def allows(self, vm, source):
        """A test of whether a host may take VM (from SOURCE) by these rules (not capacity)."""
        network = self.network_of(vm)
        siblings = self.sibling_hosts(vm)

        def allowed(pm):
            domain_type, attached = self.kind(pm)
            return (domain_type == source.domain_type and pm.id not in siblings
                    and (network is None or attached == network)
                    and (not vm.storage or self.shared.group_of(pm) == vm.storage))
        return allowed
