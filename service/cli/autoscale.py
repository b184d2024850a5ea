"""`vmfabric vm autoscale VMID --min N --max M | --off` and `vmfabric cluster autoscale NAME
--min N --max M | --off`: vertical and horizontal autoscaling policies."""

import click

from service.cli.refs import CLUSTER, VM
from service.cli.client import pass_client
from service.cli.clusters import cluster, find_cluster
from service.cli.output import emit
from service.cli.resources import json_option, vm


@vm.command("autoscale")
@click.argument("vmid", type=VM)
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


@cluster.command("autoscale")
@click.argument("name", type=CLUSTER)
@click.option("--min", "min_size", type=click.IntRange(1, 100), help="The fewest nodes.")
@click.option("--max", "max_size", type=click.IntRange(1, 100), help="The most nodes.")
@click.option("--up", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Add a node while the nodes' average CPU stays over this share (0.7).")
@click.option("--down", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Remove the newest while it stays under this share (0.2).")
@click.option("--hold", type=click.IntRange(1, 86400), help="Seconds over --up (60).")
@click.option("--cooldown", type=click.IntRange(1, 86400),
              help="Seconds between changes, and under --down before one goes (300).")
@click.option("--setup", type=click.File("r"), help="A program run on each new node before "
                                                    "it counts (as `cluster run` runs one).")
@click.option("--off", is_flag=True, help="Stop scaling it (its nodes stay).")
@json_option
@pass_client
def cluster_autoscale(client, name, min_size, max_size, up, down, hold, cooldown, setup, off,
                      as_json):
    """Scale cluster NAME by its nodes' average CPU.

    \b
    Examples:
      vmfabric cluster autoscale web --min 2 --max 6
      vmfabric cluster autoscale web --min 2 --max 6 --setup provision.sh --hold 120
      vmfabric cluster autoscale web --off
    """
    found = find_cluster(client, name)
    if off:
        data = client.call("DELETE", f"/clusters/{found['id']}/autoscale")
    else:
        if min_size is None or max_size is None:
            raise click.UsageError("give --min and --max (or --off)")
        policy = {"min_size": min_size, "max_size": max_size, "up": up, "down": down,
                  "hold": hold, "cooldown": cooldown, "setup": setup.read() if setup else None}
        data = client.call("PUT", f"/clusters/{found['id']}/autoscale",
                           {k: v for k, v in policy.items() if v is not None})
    if as_json:
        emit(click.get_current_context(), data)
        return
    policy = data["cluster"]["autoscale"]
    click.echo(f"cluster {name}: " + (
        f"{policy['min_size']}-{policy['max_size']} nodes, a node added over {policy['up']:.0%} "
        f"for {policy['hold']:g} s, the newest removed under {policy['down']:.0%} for "
        f"{policy['cooldown']:g} s" + (f"; setup {policy['setup_bytes']} bytes"
                                       if policy["setup_bytes"] else "")
        if policy else "not autoscaled"))
