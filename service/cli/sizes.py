"""`vmfabric vm resize`: a VM's vCPUs, memory and disk changed."""

import click

from service.cli.refs import VM
from service.cli.client import pass_client
from service.cli.output import emit
from service.cli.resources import json_option, vm


@vm.command("resize")
@click.argument("vmid", type=VM)
@click.option("--type", "tid", type=int, help="The instance type to resize to.")
@click.option("--cpu", type=click.IntRange(1), help="vCPUs.")
@click.option("--ram", type=click.IntRange(1), help="Memory, MB.")
@click.option("--disk", type=click.IntRange(1), help="Disk, GB (disks only grow).")
@json_option
@pass_client
def vm_resize(client, vmid, tid, cpu, ram, disk, as_json):
    """Resize a VM: live within its headroom, otherwise at its next start."""
    sizes = {key: value for key, value in (("instance_type", tid), ("cpu", cpu), ("ram", ram),
                                           ("disk", disk)) if value is not None}
    if not sizes:
        raise click.UsageError("give --type, or --cpu, --ram or --disk")
    data = client.call("POST", f"/vms/{vmid}/actions", {"action": "resize", **sizes})
    emit(click.get_current_context(), data, [data["vm"]], SIZE_COLUMNS)
    pending = data["vm"]["pending_resize"]
    if pending and not as_json:
        click.echo(f"vm {vmid}: {pending['cpu']} vCPUs and {pending['ram']} MB from its next "
                   f"start (it holds the larger size until then)")


SIZE_COLUMNS = [("VMID", "id"), ("STATE", "state"), ("CPU", lambda v: v["resources"]["cpu"]),
                  ("RAM MB", lambda v: v["resources"]["ram"]),
                  ("DISK GB", lambda v: v["resources"]["disk"]), ("TYPE", "instance_type")]
