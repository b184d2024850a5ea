"""Virtual clusters (seed 003): N nodes made together, spread over hosts or packed, and driven
as one by Ansible.

A cluster's nodes are VMs named NAME-1, NAME-2 ... (numbers never reused),
placed all at once or not at all by the batch placement; ``spread`` puts every
node, including those added later, on a host no other node holds. Each change
rewrites the cluster's inventory (service/inventory/clusters.py); ``run``
copies a program to every node and runs it on all of them at once
(playbooks/cluster_run.yml), as a job.
"""

import base64
import dataclasses
import os
import re
import time

from service import ansible_runs
from service.errors import NotFound, ValidationError
from service.inventory import clusters as cluster_inventory

NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
PLACEMENTS = ("spread", "pack")
MAX_SIZE = 100
MAX_PROGRAM = 65536
RUN_PLAYBOOK = "cluster_run.yml"
SETUP_RETRY = 3  # seconds between tries of a new node's setup while it boots


@dataclasses.dataclass
class Clusters:
    config: object
    store: object
    compute: object
    jobs: object
    guest_access: object
    allocator: object

    def create(self, name, tid, size, placement="spread", image_id=None, boot=None, user_id=None):
        """Make cluster NAME of SIZE nodes for USER_ID, all or none; returns (cluster, nodes)."""
        if not isinstance(name, str) or not NAME.match(name):
            raise ValidationError("name: 1-32 of a-z, 0-9 and -, starting with a letter",
                                  field="name")
        _check_size(size, "size")
        if placement not in PLACEMENTS:
            raise ValidationError(f"placement: one of {', '.join(PLACEMENTS)}", field="placement")
        boot = boot or self.compute.first_boot()
        self._check_addresses(size, "size")
        cluster_id = self.store.clusters.create({
            "name": name, "tid": tid, "image_id": image_id or 0, "placement": placement,
            "ssh_keys": list(boot.ssh_keys), "user_data": boot.user_data, "user_id": user_id})
        try:
            nodes = self._make(self.store.clusters.get(cluster_id), size, boot, image_id)
        except BaseException:
            self.store.clusters.delete(cluster_id)
            raise
        return self.store.clusters.get(cluster_id), nodes

    def add_nodes(self, cluster_id, count):
        cluster = self.store.clusters.get(cluster_id)
        _check_size(count, "count")
        self._check_addresses(count, "count")
        from service.compute.create import FirstBoot

        boot = FirstBoot(tuple(cluster["ssh_keys"]), cluster["user_data"])
        return self._make(cluster, count, boot, cluster["image_id"] or None)

    def _make(self, cluster, count, boot, image_id):
        first = self.store.clusters.take_numbers(cluster["id"], count)
        names = [f"{cluster['name']}-{n}" for n in range(first, first + count)]
        try:
            return self.compute.create_named(names, cluster["tid"], image_id, cluster["placement"],
                                             boot, cluster_id=cluster["id"],
                                             user_id=cluster["user_id"])
        finally:
            self.write_inventory(cluster["id"])

    def nodes(self, cluster_id):
        return [vm for vm in (self.store.vms.get(vmid) for vmid in
                              self.store.clusters.node_ids(cluster_id)) if vm.state != "failed"]

    def destroy(self, cluster_id):
        """Destroy every node; {'destroyed': [...], 'pending': [...]} (pending: host down)."""
        cluster = self.store.clusters.get(cluster_id)
        done = {"destroyed": [], "pending": []}
        for vmid in self.store.clusters.node_ids(cluster_id):
            if self.store.vms.get(vmid).state == "failed":
                self.store.vms.delete(vmid)
                continue
            outcome = self.compute.destroy(vmid)
            done["destroyed" if outcome == "destroyed" else "pending"].append(vmid)
        self.store.clusters.delete(cluster_id)
        cluster_inventory.remove(self.config, self._owner(cluster), cluster["name"])
        return done

    def inventory(self, cluster_id, for_admin=True):
        """The cluster's inventory; a member's names no file of the server's (the nodes' host
        keys come with it, to verify them from a known_hosts of their own)."""
        cluster = self.store.clusters.get(cluster_id)
        return cluster_inventory.render(cluster, self._addressed(cluster_id), self.guest_access,
                                        self._login_key(cluster), with_paths=for_admin)

    def write_inventory(self, cluster_id):
        cluster = self.store.clusters.get(cluster_id)
        return cluster_inventory.write(self.config, cluster, self._owner(cluster),
                                       self._addressed(cluster_id), self.guest_access,
                                       self._login_key(cluster))

    def _owner(self, cluster):
        """The cluster's owner's name (its inventory is filed under it: names are per owner)."""
        if cluster["user_id"] is None:
            return cluster_inventory.NO_OWNER
        try:
            return self.store.users.get(cluster["user_id"]).username
        except NotFound:
            return cluster_inventory.NO_OWNER

    def run(self, cluster_id, program, user_id=None):
        """A job that runs PROGRAM (a script) on every node at once and collects each output."""
        cluster = self.store.clusters.get(cluster_id)
        if not isinstance(program, str) or not program or len(program.encode()) > MAX_PROGRAM:
            raise ValidationError(f"program: a script of 1 to {MAX_PROGRAM} bytes", field="program")
        nodes = self._addressed(cluster_id)
        if not nodes:
            raise ValidationError(f"cluster {cluster['name']} has no node with an address",
                                  field="cluster")
        inventory = self.write_inventory(cluster_id)
        extravars = {"vmfabric_program_b64": base64.b64encode(program.encode()).decode(),
                     "vmfabric_nodes": " ".join(address.ip for _, address in nodes)}

        run_limit = self.config["discovery"]["timeout"]

        def work():
            run = ansible_runs.run_playbook(
                RUN_PLAYBOOK, inventory,
                work_dir=os.path.join(self.config["state_dir"], "ansible"),
                fact_cache=self.config.fact_cache, forks=len(nodes), extravars=extravars,
                timeout=run_limit)
            missing = (f"no result within the run's {run_limit:g} s" if run.status == "timeout"
                       else "no result from the node")
            return {"nodes": [_node_result(vm, run.hosts.get(vm.name), missing)
                              for vm, _ in nodes]}

        return self.jobs.run("cluster_run", {"cluster_id": cluster_id, "nodes": len(nodes)}, work,
                             user_id=user_id)

    def setup_node(self, cluster_id, vm, program):
        """Run PROGRAM on the cluster's node VM alone, now (a new node's setup), as soon as it
        answers (a new node is still booting: tried again until ``discovery.timeout``); its
        result ({rc, output, ok, ...}, as `run` reports each node)."""
        nodes = self._addressed(cluster_id)
        inventory = self.write_inventory(cluster_id)
        run_limit = self.config["discovery"]["timeout"]
        deadline = time.monotonic() + run_limit
        while True:
            run = ansible_runs.run_playbook(
                RUN_PLAYBOOK, inventory, work_dir=os.path.join(self.config["state_dir"],
                                                               "ansible"),
                fact_cache=self.config.fact_cache, forks=1, limit=[vm.name],
                timeout=max(1, deadline - time.monotonic()),
                extravars={"vmfabric_program_b64": base64.b64encode(program.encode()).decode(),
                           "vmfabric_nodes": " ".join(address.ip for _, address in nodes)})
            result = _node_result(vm, run.hosts.get(vm.name),
                                  f"no answer from the node within {run_limit:g} s")
            if result["rc"] is not None or time.monotonic() > deadline - SETUP_RETRY:
                return result
            time.sleep(SETUP_RETRY)  # not answering yet: it is booting

    def _addressed(self, cluster_id):
        found = self.store.addresses.of_vms(self.store.clusters.node_ids(cluster_id))
        return [(vm, found[vm.id][0]) for vm in self.nodes(cluster_id) if found.get(vm.id)]

    def _login_key(self, cluster):
        key = self.config["ssh"]["private_key"]
        mine = set(self.compute.default_keys)
        return key if mine & set(cluster["ssh_keys"]) else None

    def _check_addresses(self, count, field):
        """COUNT more nodes must fit in the free addresses of the networks guests join."""
        room = self.allocator.free_addresses(self.store.pms.list(state="up"))
        if room is not None and count > room:
            raise ValidationError(f"{field}: {count} nodes, but the guest networks have "
                                  f"{room} free addresses", field=field)


def _check_size(value, field):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIZE:
        raise ValidationError(f"{field}: 1 to {MAX_SIZE} nodes, not {value!r}", field=field)


def _node_result(vm, result, missing):
    if result is None:
        return {"vmid": vm.id, "name": vm.name, "ok": False, "rc": None, "output": "",
                "error": missing}
    run = result.reported.get("vmfabric_run") or {}
    try:
        rc = int(run.get("rc"))
    except (TypeError, ValueError):
        rc = None
    return {"vmid": vm.id, "name": vm.name, "ok": result.ok and rc == 0, "rc": rc,
            "output": str(run.get("stdout", "")).replace("\r", ""), "error": result.reason}
