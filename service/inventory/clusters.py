"""inventory/clusters/OWNER/NAME.yml: a virtual cluster as an Ansible inventory operators reuse.

One group named after the cluster (dashes become underscores, as Ansible
wants), one host per node with ``ansible_host`` its address, and SSH through
vmfabric's guests ssh_config, which verifies each node's host key against the
key vmfabric gave it. Written when the cluster changes, removed with it; filed
under its owner's name, since cluster names are unique per owner.

What a member is given through the API names no file of the server's: each
node carries its host key (``vmfabric_known_hosts_line``) to verify it by, and
SSH is told to verify strictly.
"""

import os

import yaml

from service.util import write_atomically

NO_OWNER = "_nobody"


def group_name(cluster_name):
    return cluster_name.replace("-", "_")


def path_for(config, owner, cluster_name):
    return os.path.join(os.path.dirname(os.path.abspath(config["inventory"]["path"])), "clusters",
                        owner, f"{cluster_name}.yml")


def render(cluster, nodes, access, login_key=None, with_paths=True):
    """The inventory of CLUSTER: NODES [(vm, address)]; LOGIN_KEY: the private key that logs in
    (left out when the nodes take keys vmfabric does not hold); WITH_PATHS: the server's own
    ssh_config and key files (an admin's), or none of them (a member's)."""
    hosts = {}
    for vm, address in nodes:
        hosts[vm.name] = {"ansible_host": address.ip, "vmid": vm.id}
        if not with_paths:
            key = " ".join(vm.host_key.split()[:2])
            hosts[vm.name]["vmfabric_known_hosts_line"] = f"{address.ip} {key}"
    variables = {"ansible_user": "root", "vmfabric_cluster": cluster["name"]}
    if with_paths:
        variables["ansible_ssh_common_args"] = f"-F {access.ssh_config}"
        if login_key:
            variables["ansible_ssh_private_key_file"] = login_key
    else:
        variables["ansible_ssh_common_args"] = "-o StrictHostKeyChecking=yes"
    return {"all": {"children": {group_name(cluster["name"]): {"hosts": hosts, "vars": variables}}}}


def write(config, cluster, owner, nodes, access, login_key=None):
    path = path_for(config, owner, cluster["name"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_atomically(path, f"# vmfabric cluster {cluster['name']}: generated, rewritten when its "
                           "nodes change\n" + yaml.safe_dump(render(cluster, nodes, access, login_key),
                                                             sort_keys=False))
    return path


def remove(config, owner, cluster_name):
    try:
        os.unlink(path_for(config, owner, cluster_name))
    except FileNotFoundError:
        pass
