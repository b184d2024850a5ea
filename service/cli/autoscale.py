"""`vmfabric vm autoscale VMID --min N --max M | --off`: a VM's vertical autoscaling policy."""

import click

from service.cli.client import pass_client
from service.cli.output import emit
from service.cli.resources import json_option, vm


@vm.command("autoscale")
@click.argument("vmid", type=int)
@click.option("--min", "min_cpu", type=click.IntRange(1), help="The fewest vCPUs it shrinks to.")
@click.option("--max", "max_cpu", type=click.IntRange(1), help="The most vCPUs it grows to.")
@click.option("--up", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Grow while its CPU stays over this share of its vCPUs (default 0.8).")
@click.option("--down", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Shrink while its CPU stays under this share (default 0.2).")
@click.option("--hold", type=click.IntRange(1, 86400), help="Seconds over --up before it grows "
                                                            "(default 60).")
@click.option("--cooldown", type=click.IntRange(1, 86400),
              help="Seconds between changes, and under --down before it shrinks (default 300).")
@click.option("--off", is_flag=True, help="Stop scaling it (its size stays as it is).")
@json_option
@pass_client
def vm_autoscale(client, vmid, min_cpu, max_cpu, up, down, hold, cooldown, off, as_json):
    """Scale VMID's vCPUs by what it uses.

    \b
    Examples:
      vmfabric vm autoscale 12 --min 1 --max 4
      vmfabric vm autoscale 12 --min 2 --max 8 --up 0.7 --hold 120
      vmfabric vm autoscale 12 --off
    """
    if off:
        data = client.call("DELETE", f"/vms/{vmid}/autoscale")
    else:
        if min_cpu is None or max_cpu is None:
            raise click.UsageError("give --min and --max (or --off)")
        policy = {"min_cpu": min_cpu, "max_cpu": max_cpu, "up": up, "down": down, "hold": hold,
                  "cooldown": cooldown}
        data = client.call("PUT", f"/vms/{vmid}/autoscale",
                           {k: v for k, v in policy.items() if v is not None})
    if as_json:
        emit(click.get_current_context(), data)
        return
    policy = data["vm"]["autoscale"]
    click.echo(f"vm {vmid}: " + (f"{policy['min_cpu']}-{policy['max_cpu']} vCPUs, up over "
                                 f"{policy['up']:.0%} for {policy['hold']:g} s, down under "
                                 f"{policy['down']:.0%} for {policy['cooldown']:g} s"
                                 if policy else "not autoscaled"))
