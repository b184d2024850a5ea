"""`vmfabric vm snapshot create | list | revert | delete`: a VM's checkpoints."""

import time

import click

from service.cli.refs import VM
from service.cli.client import pass_client
from service.cli.output import emit, gone_command, table_command
from service.cli.resources import json_option, vm
from service.cli.sizes import SIZE_COLUMNS


@vm.group("snapshot")
def snapshot():
    """A VM's snapshots: its disk, and its memory when it runs."""


SNAPSHOT_COLUMNS = [("NAME", "name"), ("VM STATE", "vm_state"),
                    ("TAKEN", lambda s: time.strftime("%Y-%m-%d %H:%M:%S",
                                                      time.localtime(s["created_at"])))]


@snapshot.command("create")
@click.argument("vmid", type=VM)
@click.argument("name")
@json_option
@pass_client
def snapshot_create(client, vmid, name, as_json):
    """Take a snapshot NAME of a VM."""
    data = client.call("POST", f"/vms/{vmid}/snapshots", {"name": name})
    emit(click.get_current_context(), data, [data["snapshot"]], SNAPSHOT_COLUMNS)


table_command(snapshot, "list", "/vms/{vmid}/snapshots", "snapshots", SNAPSHOT_COLUMNS,
              "A VM's snapshots.", argument="vmid", kind=VM)


@snapshot.command("revert")
@click.argument("vmid", type=VM)
@click.argument("name")
@json_option
@pass_client
def snapshot_revert(client, vmid, name, as_json):
    """Bring a VM back to its snapshot NAME."""
    data = client.call("POST", f"/vms/{vmid}/snapshots/{name}/revert")
    emit(click.get_current_context(), data, [data["vm"]], SIZE_COLUMNS)


gone_command(snapshot, "delete", "/vms/{vmid}/snapshots/{name}", [("vmid", VM), ("name", str)],
             "vm {vmid}: snapshot {name} deleted", "Delete a VM's snapshot NAME.")
