"""`vmfabric rebalance` and `vmfabric pm drain | enable | remove`: plans read before anything moves."""

import click

from service.cli import credentials
from service.cli.client import Client, pass_client
from service.cli.output import emit
from service.cli.resources import json_option, pm

MOVE_COLUMNS = [("STEP", "step"), ("VMID", "vmid"), ("FROM PM", "from"), ("TO PM", "to")]


def parse_threshold(_ctx, _param, value):
    """cpu=0.8,ram=0.8 -> {"cpu": 0.8, "ram": 0.8}."""
    if not value:
        return {}
    out = {}
    for part in value.split(","):
        name, _, number = part.partition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            raise click.BadParameter(f"{part!r}: expected RESOURCE=FRACTION (cpu=0.8)") from None
        if name.strip() not in ("cpu", "ram", "disk") or not 0 < out[name.strip()] <= 1:
            raise click.BadParameter(f"{part!r}: cpu, ram or disk, with a fraction in (0, 1]")
    return out


def show_plan(plan):
    rows = [{"step": i + 1, **move} for i, move in enumerate(plan["moves"])]
    if rows:
        emit(click.get_current_context(), plan, rows, MOVE_COLUMNS)
    else:
        click.echo("nothing to move")
    for when in ("before", "after"):
        summary = plan[when]
        peaks = ", ".join(f"{name} pm {peak['pmid']} at {peak['utilisation'] * 100:.0f}%"
                          for name, peak in summary["most_loaded"].items())
        click.echo(f"{when}: {summary['hosts_in_use']} hosts in use (lower bound "
                   f"{summary['lower_bound']}); most loaded: {peaks}")
    for item in plan["unresolved"]:
        click.echo(f"not resolved: {item}")


def show_reasons(plan):
    """Why each VM of PLAN moves, and why the VMs that must stay do."""
    for move in plan["moves"]:
        click.echo(f"vm {move['vmid']} moves from pm {move['from']} to pm {move['to']}: "
                   f"{move.get('reason') or plan['goal']}")
    for staying in plan.get("staying", []):
        click.echo(f"vm {staying['vmid']} stays: {staying['reason']}")
    if not plan["moves"]:
        click.echo("every other VM stays: no host is over its target, and no host could be "
                   "emptied onto the others within it" if plan["goal"].endswith("_by_use")
                   else "every other VM stays: nothing in the goal asks it to move")


def run_job(client, job):
    """Wait for a plan's job, a line per step as it goes; the job."""
    seen = set()

    def show(current):
        phase = (current.get("progress") or {}).get("phase")
        if phase and phase not in seen:
            seen.add(phase)
            click.echo(phase, err=True)
    return client.wait_job(job, on_progress=show)


@click.command()
@click.option("--goal", type=click.Choice(["consolidate", "balance", "balance_by_use",
                                          "consolidate_by_use"]), required=True)
@click.option("--target", type=click.FloatRange(0, 2, min_open=True),
              help="balance_by_use: relieve hosts whose guests use more than this share of their "
                   "cores (default: usage.target).")
@click.option("--fill", type=click.FloatRange(0, 2, min_open=True),
              help="consolidate_by_use: pack hosts up to this share of their cores by use "
                   "(default: usage.fill).")
@click.option("--explain", is_flag=True, help="Say why each VM moves, and why those that "
                                              "must stay do.")
@click.option("--threshold", callback=parse_threshold,
              help="balance: the utilisation every host should stay under, e.g. cpu=0.8,ram=0.8")
@click.option("--max-moves", type=click.IntRange(0), help="Plan at most this many migrations.")
@click.option("--apply", "apply_", is_flag=True, help="Carry the plan out (a job), after "
                                                      "printing it.")
@json_option
@click.pass_context
def rebalance(ctx, goal, target, fill, explain, threshold, max_moves, apply_, as_json):
    """Plan migrations toward a goal and print them; --apply carries them out.

    \b
    Examples:
      vmfabric rebalance --goal consolidate
      vmfabric rebalance --goal balance_by_use --explain
      vmfabric rebalance --goal consolidate_by_use --fill 0.8 --apply
    """
    client = Client(ctx.obj["url"], credentials.token_for(ctx.obj["url"], ctx.obj["token"]))
    body = {"goal": goal, "dry_run": not apply_,
            **({"threshold": threshold} if threshold else {}),
            **({"target": target} if target is not None else {}),
            **({"fill": fill} if fill is not None else {}),
            **({"max_moves": max_moves} if max_moves is not None else {})}
    data = client.call("POST", "/rebalance", body)
    if as_json and "job" not in data:
        emit(ctx, data)
        return
    if not as_json:
        show_plan(data["plan"])
        if explain:
            show_reasons(data["plan"])
    if "job" in data:
        job = run_job(client, data["job"])
        emit(ctx, job)
        if not as_json:
            click.echo(f"{len(job['result']['done'])} migration(s) done")


@pm.command("drain")
@click.argument("pmid", type=int)
@click.option("--dry-run", is_flag=True, help="Only print the plan.")
@json_option
@pass_client
def pm_drain(client, pmid, dry_run, as_json):
    """Put a host in maintenance (no new VMs) and migrate its VMs away; waits for the job."""
    data = client.call("POST", f"/pms/{pmid}/drain", {"dry_run": dry_run})
    if not as_json:
        show_plan(data["plan"])
    elif "job" not in data:
        emit(click.get_current_context(), data)
    if "job" in data:
        job = run_job(client, data["job"])
        emit(click.get_current_context(), job)
        if not as_json:
            click.echo(f"pm {pmid} is in maintenance; {len(job['result']['done'])} VM(s) moved "
                       f"away (vmfabric pm enable {pmid} takes it back)")


def _host_action(name, said, doc):
    """`vmfabric pm NAME PMID`: POST /pms/PMID/NAME, then SAID (with {pmid}) unless --json."""
    @pm.command(name, help=doc)
    @click.argument("pmid", type=int)
    @json_option
    @pass_client
    def run(client, pmid, as_json):
        emit(click.get_current_context(), client.call("POST", f"/pms/{pmid}/{name}"))
        if not as_json:
            click.echo(said.format(pmid=pmid))
    return run


_host_action("enable", "pm {pmid} takes VMs again", "Take a host out of maintenance.")
_host_action("remove", "pm {pmid} removed",
             "Forget an empty host (drain it first) and drop it from the inventory.")


@pm.command("evacuate")
@click.argument("pmid", type=int)
@click.option("--rebuild", is_flag=True, required=True,
              help="Recreate its VMs on other hosts from their images (their disks are lost).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_client
def pm_evacuate(client, pmid, rebuild, yes, as_json):
    """Rebuild a failed host's VMs elsewhere, keeping their ids, names and addresses."""
    vms = client.call("GET", "/vms", params={"pmid": pmid})["vms"]
    if not yes:
        click.echo(f"pm {pmid}'s {len(vms)} VM(s) ({', '.join(str(v['id']) for v in vms)}) will "
                   f"be recreated from their images on other hosts. Their disks were on pm "
                   f"{pmid}: what they held is LOST, and volumes attached to them become missing.",
                   err=True)
        click.confirm("Rebuild them?", abort=True, err=True)
    job = client.call("POST", f"/pms/{pmid}/evacuate", {"rebuild": rebuild})["job"]
    job = run_job(client, job)
    emit(click.get_current_context(), job)
    if not as_json:
        result = job["result"]
        for item in result["rebuilt"]:
            click.echo(f"vm {item['vmid']}: rebuilt on pm {item['pmid']}")
        for item in result["lost"]:
            click.echo(f"vm {item['vmid']}: not rebuilt: {item['error']}")


@pm.command("fence")
@click.argument("pmid", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_client
def pm_fence(client, pmid, yes, as_json):
    """Power a down or drained host off through its BMC, and confirm it is off."""
    if not yes:
        click.confirm(f"Cut pm {pmid}'s power through its BMC? Anything still running there "
                      "stops at once.", abort=True, err=True)
    data = client.call("POST", f"/pms/{pmid}/fence")
    emit(click.get_current_context(), data)
    fence = data["pm"]["fence"]
    if not as_json:
        click.echo(f"pm {pmid}: {fence['state']}: {fence['detail']}")
    if fence["state"] != "fenced":
        raise SystemExit(1)
