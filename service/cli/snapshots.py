"""`vmfabric vm snapshot create | list | revert | delete`: a VM's checkpoints."""

import time

import click

from service.cli.client import pass_client
from service.cli.output import emit
from service.cli.resources import json_option, vm
from service.cli.sizes import SIZE_COLUMNS


@vm.group("snapshot")
def snapshot():
    """A VM's snapshots: its disk, and its memory when it runs."""


SNAPSHOT_COLUMNS = [("NAME", "name"), ("VM STATE", "vm_state"),
                    ("TAKEN", lambda s: time.strftime("%Y-%m-%d %H:%M:%S",
                                                      time.localtime(s["created_at"])))]


@snapshot.command("create")
@click.argument("vmid", type=int)
@click.argument("name")
@json_option
@pass_client
def snapshot_create(client, vmid, name, as_json):
    """Take a snapshot NAME of a VM."""
    data = client.call("POST", f"/vms/{vmid}/snapshots", {"name": name})
    emit(click.get_current_context(), data, [data["snapshot"]], SNAPSHOT_COLUMNS)


@snapshot.command("list")
@click.argument("vmid", type=int)
@json_option
@pass_client
def snapshot_list(client, vmid, as_json):
    """A VM's snapshots."""
    data = client.call("GET", f"/vms/{vmid}/snapshots")
    emit(click.get_current_context(), data, data["snapshots"], SNAPSHOT_COLUMNS)


@snapshot.command("revert")
@click.argument("vmid", type=int)
@click.argument("name")
@json_option
@pass_client
def snapshot_revert(client, vmid, name, as_json):
    """Bring a VM back to its snapshot NAME."""
    data = client.call("POST", f"/vms/{vmid}/snapshots/{name}/revert")
    emit(click.get_current_context(), data, [data["vm"]], SIZE_COLUMNS)


@snapshot.command("delete")
@click.argument("vmid", type=int)
@click.argument("name")
@pass_client
def snapshot_delete(client, vmid, name):
    """Delete a VM's snapshot NAME."""
    client.call("DELETE", f"/vms/{vmid}/snapshots/{name}")
    click.echo(f"vm {vmid}: snapshot {name} deleted")
