"""What a lab test checks of the fleet it leaves: every object on the hosts owned, every claim
right, nothing in transition."""

import subprocess

def host_ssh(lab, host, *command, timeout=15):
    """Run COMMAND on a lab host over real SSH with the lab's verified host keys."""
    return subprocess.run(["ssh", "-F", lab.state.ssh_config, f"root@{host.address}", *command],
                          capture_output=True, text=True, timeout=timeout)


def vmf_objects(lab):
    """{host address: set of vmf-* domains and volumes} as the lab's hosts themselves see them."""
    from vmfabric_lab import daemons

    found = {}
    for host in lab.state.hosts:
        virsh = ["virsh", "-q", "-c", "qemu:///system"]
        anchor = host.pids["anchor"]
        domains = daemons.in_host(anchor, virsh + ["list", "--all", "--name"]).split()
        daemons.in_host(anchor, virsh + ["pool-refresh", "vmfabric"], check=False)
        volumes = [line.split()[0] for line in daemons.in_host(
            anchor, virsh + ["vol-list", "vmfabric"], check=False).splitlines() if line.strip()]
        found[host.address] = {n for n in domains + volumes if n.startswith("vmf-")}
    return found


def fleet_is_whole(store, lab):
    """Problems with the fleet: objects on hosts no VM or volume owns there, VMs and volumes
    stuck in transition, claims that differ from the VMs and volumes holding them. [] when
    all is well."""
    from service import naming

    problems = []
    vms = store.vms.list()
    volumes = store.volumes.list()
    problems += [f"vm {vm.id} is {vm.state}" for vm in vms if vm.in_transition]
    problems += [f"volume {v.id} is {v.state}" for v in volumes if v.in_transition]
    live = {vm.id: vm for vm in vms if vm.state != "failed"}
    volume_hosts = {v.id: {v.pmid, v.pending_pmid} - {None} for v in volumes}
    pms = {pm.address: pm for pm in store.pms.list()}
    for address, names in vmf_objects(lab).items():
        pmid = pms[address].id
        for name in names:
            volume_id = naming.volume_of(name)
            if volume_id is not None:
                if pmid not in volume_hosts.get(volume_id, ()):
                    problems.append(f"{name} on {address} belongs to no volume there")
                continue
            vmid = naming.owner_of(name)
            if vmid not in live or live[vmid].pmid != pmid:
                problems.append(f"{name} on {address} belongs to no VM there")
    for pm in pms.values():
        held = [vm for vm in live.values() if vm.pmid == pm.id]
        volume_gb = sum(v.size_gb for v in volumes if pm.id in volume_hosts[v.id])
        if (pm.used_cpu, pm.used_ram_mb, pm.used_disk_gb, pm.vm_count) != (
                sum(v.cpu for v in held), sum(v.ram_mb for v in held),
                sum(v.disk_gb for v in held) + volume_gb, len(held)):
            problems.append(f"{pm.label}: claimed {pm.used} for {len(held)} VMs and "
                            f"{volume_gb} GB of volumes")
    return problems
