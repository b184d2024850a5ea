"""`vmfabric vm migrate`: a VM moved to another host, its job followed with a progress bar."""

import sys

import click

from service.cli.refs import VM
from service.cli.client import pass_client
from service.cli.output import bar, emit
from service.cli.resources import json_option, vm

def progress_line(job):
    """One line for a running migration: a bar of the bytes moved, and its phase."""
    progress = job.get("progress") or {}
    total, remaining = progress.get("data_total"), progress.get("data_remaining")
    phase = progress.get("phase", job["state"])
    return bar(total - (remaining or 0) if total else 0, total, phase)


@vm.command("migrate")
@click.argument("vmid", type=VM)
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
