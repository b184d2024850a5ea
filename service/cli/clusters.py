"""`vmfabric vm ssh` and `vmfabric cluster ...`: reaching guests and driving virtual clusters."""

import os
import subprocess
import sys
import tempfile

import click

from service.cli.refs import CLUSTER, VM
from service.cli import waiting
from service.cli.client import pass_client
from service.cli.output import create_body, emit, guest_options, progress, table_command
from service.cli.resources import VM_COLUMNS, client_group, json_option, vm
from service.errors import VmfabricError

cluster = client_group("cluster", "Virtual clusters: nodes made together, driven as one.")
CLUSTER_COLUMNS = [("ID", "id"), ("NAME", "name"), ("TYPE", "instance_type"),
                   ("PLACEMENT", "placement"), ("NODES", "size"),
                   ("HOSTS", lambda c: len({n["pmid"] for n in c["nodes"]}))]


def _identity(info):
    """vmfabric's own key, when the guest takes it and this user can read it."""
    key = info.get("identity_file")
    return key if key and os.access(key, os.R_OK) else None


@vm.command("ssh", context_settings={"ignore_unknown_options": True})
@click.argument("vmid", type=VM)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option("-i", "--identity", type=click.Path(exists=True, dir_okay=False),
              help="Private key to log in with (default: vmfabric's own, when the guest takes "
                   "it and you can read it; else ssh's own).")
@click.option("--timeout", type=click.FloatRange(0, 3600), default=120, show_default=True,
              help="Seconds to wait for a guest still booting to answer SSH (0: do not wait).")
@pass_client
def vm_ssh(client, vmid, command, identity, timeout):
    """SSH to a guest (name or id), its host key verified against the one vmfabric gave it;
    waits for a guest that is still booting.

    \b
    Example: vmfabric vm ssh web -- uptime
    """
    info = client.call("GET", f"/vms/{vmid}/ssh")
    if timeout and not waiting.banner(info["address"]):
        click.echo(f"waiting for vm {vmid}'s SSH at {info['address']} ...", err=True)
        info = waiting.ssh(client, vmid, timeout)
    with tempfile.NamedTemporaryFile("w", prefix="vmfabric-known-", suffix=".hosts") as known:
        known.write(info["known_hosts_line"] + "\n")
        known.flush()
        argv = ["ssh", "-o", f"UserKnownHostsFile={known.name}", "-o", "StrictHostKeyChecking=yes",
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10"]
        key = identity or _identity(info)
        if key:
            argv += ["-i", key]
        argv += [f"{info['user']}@{info['address']}", *command]
        sys.exit(subprocess.call(argv))


def find_cluster(client, cluster_id):
    """The cluster CLUSTER_ID (a CLUSTER argument: its name or id, resolved)."""
    return client.call("GET", f"/clusters/{cluster_id}")["cluster"]


@cluster.command("create")
@click.argument("name")
@click.option("--size", type=click.IntRange(1, 100), required=True, help="Number of nodes.")
@click.option("--spread/--pack", default=True, help="Each node on its own host (default), or "
              "as few hosts as possible.")
@click.option("--wait", is_flag=True, help="Wait until every node's SSH answers.")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=180, show_default=True,
              help="Seconds --wait waits for each node.")
@guest_options
@json_option
@pass_client
def cluster_create(client, name, tid, size, spread, wait, timeout, image_id, ssh_keys,
                   user_data, as_json):
    """Make cluster NAME of SIZE nodes (NAME-1 ...), all or none.

    \b
    Example: vmfabric cluster create mpi --type 1 --size 3 --wait
             vmfabric cluster run mpi -- hostname
    """
    body = create_body(name, tid, image_id, ssh_keys, user_data, size=size,
                       placement="spread" if spread else "pack")
    with progress(f"making cluster {name} of {size} node(s)", as_json):
        data = client.call("POST", "/clusters", body)
    if wait:
        with progress("waiting for every node's SSH to answer", as_json):
            for node in data["cluster"]["nodes"]:
                waiting.ssh(client, node["id"], timeout)
    emit(click.get_current_context(), data, data["cluster"]["nodes"], VM_COLUMNS)


table_command(cluster, "list", "/clusters", "clusters", CLUSTER_COLUMNS, "List clusters.")


@cluster.command("show")
@click.argument("name", type=CLUSTER)
@json_option
@pass_client
def cluster_show(client, name, as_json):
    """Show a cluster's nodes."""
    found = find_cluster(client, name)
    emit(click.get_current_context(), {"cluster": found}, found["nodes"], VM_COLUMNS)


@cluster.command("add")
@click.argument("name", type=CLUSTER)
@click.option("--count", type=click.IntRange(1, 100), default=1, show_default=True)
@json_option
@pass_client
def cluster_add(client, name, count, as_json):
    """Add nodes to a cluster, with its placement rule (all or none)."""
    found = find_cluster(client, name)
    with progress(f"adding {count} node(s) to {found['name']}", as_json):
        data = client.call("POST", f"/clusters/{found['id']}/nodes", {"count": count})
    emit(click.get_current_context(), data, data["added"], VM_COLUMNS)


@cluster.command("destroy")
@click.argument("name", type=CLUSTER)
@json_option
@pass_client
def cluster_destroy(client, name, as_json):
    """Destroy every node of a cluster, then the cluster."""
    found = find_cluster(client, name)
    data = client.call("DELETE", f"/clusters/{found['id']}")
    emit(click.get_current_context(), data)
    if not as_json:
        click.echo(f"cluster {found['name']}: {len(data['destroyed'])} node(s) destroyed"
                   + (f", {len(data['pending'])} waiting for their host" if data["pending"] else ""))


@cluster.command("inventory")
@click.argument("name", type=CLUSTER)
@json_option
@pass_client
def cluster_inventory(client, name, as_json):
    """Print a cluster's Ansible inventory (JSON; ansible takes it as a file)."""
    import json

    click.echo(json.dumps(client.call("GET", f"/clusters/{find_cluster(client, name)['id']}/inventory"),
                          indent=2))


@cluster.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("name", type=CLUSTER)
@click.argument("command", nargs=-1, required=False, type=click.UNPROCESSED)
@click.option("--program", type=click.File("r"), help="A script to copy to every node and run.")
@json_option
@pass_client
def cluster_run(client, name, command, program, as_json):
    """Run COMMAND (or --program) on every node at once; print each node's output."""
    if bool(command) == bool(program):
        raise VmfabricError("give a command after --, or --program FILE")
    body = {"program": program.read()} if program else {"command": list(command)}
    found = find_cluster(client, name)
    with progress(f"running on the {found['size']} node(s) of {found['name']}", as_json):
        job = client.wait_job(client.call("POST", f"/clusters/{found['id']}/run", body)["job"])
    emit(click.get_current_context(), job)
    if not as_json:
        for node in job["result"]["nodes"]:
            status = "" if node["ok"] else f"  (rc {node['rc']}{': ' + node['error'] if node['error'] else ''})"
            click.echo(f"--- {node['name']}{status}")
            click.echo(node["output"].rstrip("\n"))
    if any(not node["ok"] for node in job["result"]["nodes"]):
        sys.exit(1)


