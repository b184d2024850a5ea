"""`vmfabric volume ...`: raw disks of any size, attached to running guests."""

import click

from service.cli.refs import VM, VOLUME
from service.cli.client import pass_client
from service.cli.output import emit, gone_command, table_command
from service.cli.resources import client_group, json_option

volume = client_group("volume", "Block storage: raw disks attached to running guests.")
COLUMNS = [("ID", "id"), ("NAME", lambda v: v["name"][:30]), ("SIZE GB", "size"),
           ("STATE", "state"), ("VMID", "vmid"), ("DEVICE", "target"), ("PMID", "pmid")]


def _show(data, key="volume"):
    emit(click.get_current_context(), data, [data[key]], COLUMNS)


@volume.command("create")
@click.argument("name")
@click.option("--size", type=click.IntRange(1), required=True, help="GB.")
@json_option
@pass_client
def volume_create(client, name, size, as_json):
    """A raw disk of SIZE GB (made on the host of the first VM it is attached to)."""
    _show(client.call("POST", "/volumes", {"name": name, "size": size}))


table_command(volume, "list", "/volumes", "volumes", COLUMNS, "List volumes.")


@volume.command("show")
@click.argument("volume_id", type=VOLUME)
@json_option
@pass_client
def volume_show(client, volume_id, as_json):
    """Show one volume."""
    _show(client.call("GET", f"/volumes/{volume_id}"))


@volume.command("attach")
@click.argument("volume_id", type=VOLUME)
@click.argument("vmid", type=VM)
@json_option
@pass_client
def volume_attach(client, volume_id, vmid, as_json):
    """Hot-plug a volume into a VM (moved to the VM's host first if it is elsewhere)."""
    _show(client.call("POST", f"/volumes/{volume_id}/actions", {"action": "attach", "vmid": vmid}))


@volume.command("detach")
@click.argument("volume_id", type=VOLUME)
@json_option
@pass_client
def volume_detach(client, volume_id, as_json):
    """Unplug a volume from its VM (its data kept)."""
    _show(client.call("POST", f"/volumes/{volume_id}/actions", {"action": "detach"}))


gone_command(volume, "destroy", "/volumes/{volume_id}", [("volume_id", VOLUME)],
             "volume {volume_id} destroyed", "Destroy an available volume and its data.")
