"""`vmfabric vm migrate | resize | snapshot ...`: what is done to VMs after they are made."""

import sys
import time

import click

from service.cli.client import pass_client
from service.cli.output import emit
from service.cli.resources import json_option, vm

BAR = 30


def progress_line(job):
    """One line for a running migration: a bar of the bytes moved, and its phase."""
    progress = job.get("progress") or {}
    total, remaining = progress.get("data_total"), progress.get("data_remaining")
    phase = progress.get("phase", job["state"])
    if not total:
        return f"[{' ' * BAR}]   -   {phase}"
    done = max(0.0, min(1.0, 1 - (remaining or 0) / total))
    filled = int(done * BAR)
    return (f"[{'#' * filled}{' ' * (BAR - filled)}] {done * 100:3.0f}% "
            f"{(total - (remaining or 0)) / 2 ** 20:.1f}/{total / 2 ** 20:.1f} MiB  {phase}")


@vm.command("migrate")
@click.argument("vmid", type=int)
@click.option("--to", "pmid", type=int, help="The host to move to (default: the placement "
                                             "policy's choice).")
@json_option
@pass_client
def vm_migrate(client, vmid, pmid, as_json):
    """Move a VM to another host: live if it runs, cold if it is shut off; waits for the job."""
    body = {"action": "migrate", **({"pmid": pmid} if pmid else {})}
    job = client.call("POST", f"/vms/{vmid}/actions", body)["job"]
    live = not as_json and sys.stderr.isatty()

    def show(current):
        if live:
            click.echo("\r" + progress_line(current).ljust(90), nl=False, err=True)

    try:
        job = client.wait_job(job, on_progress=show)
    finally:
        if live:
            click.echo(err=True)
    emit(click.get_current_context(), job)
    if not as_json:
        result = job["result"]
        extra = (f" in {result['time_ms'] / 1000:.1f} s, paused {result['downtime_ms']} ms"
                 if result.get("time_ms") is not None else "")
        click.echo(f"vm {vmid}: {result['mode']} migration from pm {result['from']} to pm "
                   f"{result['to']} done{extra}")


@vm.command("resize")
@click.argument("vmid", type=int)
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
    emit(click.get_current_context(), data, [data["vm"]], RESIZE_COLUMNS)
    pending = data["vm"]["pending_resize"]
    if pending and not as_json:
        click.echo(f"vm {vmid}: {pending['cpu']} vCPUs and {pending['ram']} MB from its next "
                   f"start (it holds the larger size until then)")


RESIZE_COLUMNS = [("VMID", "id"), ("STATE", "state"), ("CPU", lambda v: v["resources"]["cpu"]),
                  ("RAM MB", lambda v: v["resources"]["ram"]),
                  ("DISK GB", lambda v: v["resources"]["disk"]), ("TYPE", "instance_type")]


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
    emit(click.get_current_context(), data, [data["vm"]], RESIZE_COLUMNS)


@snapshot.command("delete")
@click.argument("vmid", type=int)
@click.argument("name")
@pass_client
def snapshot_delete(client, vmid, name):
    """Delete a VM's snapshot NAME."""
    client.call("DELETE", f"/vms/{vmid}/snapshots/{name}")
    click.echo(f"vm {vmid}: snapshot {name} deleted")
