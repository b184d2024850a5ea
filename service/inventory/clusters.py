"""inventory/clusters/NAME.yml: a virtual cluster as an Ansible inventory operators reuse.

One group named after the cluster (dashes become underscores, as Ansible
wants), one host per node with ``ansible_host`` its address, and SSH through
vmfabric's guests ssh_config, which verifies each node's host key against the
key vmfabric gave it. Written when the cluster changes, removed with it.
"""

import os

import yaml

from service.util import write_atomically


def group_name(cluster_name):
    return cluster_name.replace("-", "_")


def path_for(config, cluster_name):
    return os.path.join(os.path.dirname(os.path.abspath(config["inventory"]["path"])), "clusters",
                        f"{cluster_name}.yml")


def render(cluster, nodes, access, login_key=None):
    """The inventory of CLUSTER: NODES [(vm, address)]; LOGIN_KEY: the private key that logs in
    (left out when the nodes take keys vmfabric does not hold)."""
    hosts = {vm.name: {"ansible_host": address.ip, "vmid": vm.id} for vm, address in nodes}
    variables = {"ansible_user": "root",
                 "ansible_ssh_common_args": f"-F {access.ssh_config}",
                 "vmfabric_cluster": cluster["name"]}
    if login_key:
        variables["ansible_ssh_private_key_file"] = login_key
    return {"all": {"children": {group_name(cluster["name"]): {"hosts": hosts, "vars": variables}}}}


def write(config, cluster, nodes, access, login_key=None):
    path = path_for(config, cluster["name"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_atomically(path, f"# vmfabric cluster {cluster['name']}: generated, rewritten when its "
                           "nodes change\n" + yaml.safe_dump(render(cluster, nodes, access, login_key),
                                                             sort_keys=False))
    return path


def remove(config, cluster_name):
    try:
        os.unlink(path_for(config, cluster_name))
    except FileNotFoundError:
        pass
