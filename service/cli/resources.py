"""`vmfabric vm|pm|image|type|policy ...`: clients of /api/v1."""

import time

import click

from service.cli import credentials
from service.cli.client import Client, pass_client
from service.cli.output import (create_body, emit, guest_options, progress as _progress,
                                table_command)
from service.cli import waiting
from service.cli.refs import VM
from service.cli.waiting import ENDS_IN
from service.errors import VmfabricError

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
VM_COLUMNS = [("VMID", "id"), ("NAME", lambda v: v["name"][:40]), ("TYPE", "instance_type"),
              ("IMAGE", "image_id"), ("PMID", "pmid"), ("STATE", "state"),
              ("ADDRESS", lambda v: ", ".join(a["ip"] for a in v.get("addresses", [])))]
# X/Y is used/total everywhere (hosts here, users' quotas, the dashboard's bars), and says so
PM_COLUMNS = [("PMID", "id"), ("ADDRESS", "address"),
              ("STATE", lambda p: p["state"] + (" (failed)" if p.get("failed") else "")
               + (" (maintenance)" if p.get("maintenance") else "")
               + (f" ({p['fence']['state']})" if p["state"] == "down"
                  and (p.get("fence") or {}).get("state") else "")),
              ("CPU USED/TOTAL", lambda p: f"{p['allocated']['cpu']}/{p['capacity']['cpu']}"),
              ("RAM MB USED/TOTAL", lambda p: f"{p['allocated']['ram']}/{p['capacity']['ram']}"),
              ("DISK GB USED/TOTAL",
               lambda p: f"{p['allocated']['disk']}/{p['capacity']['disk']}"),
              ("VMS", "vms"), ("REASON", lambda p: p["reason"][:60])]


def client_group(name, help_text):
    @click.group(name=name, help=help_text)
    @click.pass_context
    def group(ctx):
        ctx.obj = Client(ctx.obj["url"], credentials.token_for(ctx.obj["url"], ctx.obj["token"]))
    return group


vm = client_group("vm", "Create, list, inspect, power and destroy VMs.")
pm = client_group("pm", "Physical machines: list, show, add, discover.")
image = client_group("image", "Images VMs are made from.")
itype = client_group("type", "Instance types (flavors).")
policy = client_group("policy", "The active placement policy.")


@vm.command("create")
@click.argument("name")
@click.option("--count", type=click.IntRange(1, 100), default=1, help="A batch of COUNT VMs.")
@click.option("--spread", is_flag=True, help="Put a batch's VMs on distinct hosts.")
@click.option("--expected-use", help="What it will use: a share of its vCPUs (0.3) or a "
                                     "profile (idle, light, web, database, batch).")
@click.option("--ha", is_flag=True, help="Restart it on another host (its disk on shared "
                                         "storage) when its host fails.")
@click.option("--wait", is_flag=True, help="Wait until each guest's SSH answers.")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=180, show_default=True,
              help="Seconds --wait waits for each guest.")
@guest_options
@json_option
@pass_client
def vm_create(client, name, tid, image_id, count, spread, expected_use, ha, wait, timeout,
              ssh_keys, user_data, as_json):
    """Create VM NAME (or a batch NAME-1..NAME-COUNT, placed all or nothing).

    \b
    Example: vmfabric vm create web --type 1 --wait && vmfabric vm ssh web
    """
    body = create_body(name, tid, image_id, ssh_keys, user_data, count=count,
                       placement="spread" if spread else "pack")
    if ha:
        body["ha"] = True
    if expected_use is not None:
        try:
            body["expected_use"] = float(expected_use)
        except ValueError:
            body["expected_use"] = expected_use
    with _progress(f"creating {count} VM(s)", as_json):
        data = client.call("POST", "/vms", body)
    if wait:
        with _progress("waiting for SSH to answer", as_json):
            for made in data["vms"]:
                waiting.ssh(client, made["id"], timeout)
    emit(click.get_current_context(), data, data["vms"], VM_COLUMNS)


VM_STATES = ("creating", "running", "shutoff", "paused", "crashed", "missing", "migrating",
             "deleting", "failed")
SORTS = {"id": lambda v: v["id"], "name": lambda v: v["name"], "state": lambda v: v["state"],
         "pm": lambda v: (v["pmid"] is None, v["pmid"] or 0), "type": lambda v: v["instance_type"]}


@vm.command("list")
@click.option("--pm", "pmid", type=int, help="Only VMs on this PM.")
@click.option("--state", type=click.Choice(VM_STATES), help="Only VMs in this state.")
@click.option("--name", help="Only VMs of this name.")
@click.option("--sort", type=click.Choice(sorted(SORTS)), default="id", show_default=True)
@json_option
@pass_client
def vm_list(client, pmid, state, name, sort, as_json):
    """List VMs (an admin sees every VM, with its owner).

    \b
    Example: vmfabric vm list --state running --sort pm
    """
    params = {k: v for k, v in (("pmid", pmid), ("state", state), ("name", name)) if v}
    data = client.call("GET", "/vms", params=params)
    data["vms"].sort(key=SORTS[sort])
    columns = VM_COLUMNS
    if any(v.get("owner") for v in data["vms"]):
        columns = VM_COLUMNS[:2] + [("OWNER", lambda v: v.get("owner") or "-")] + VM_COLUMNS[2:]
    emit(click.get_current_context(), data, data["vms"], columns)


@vm.command("destroy")
@click.argument("vmids", type=VM, nargs=-1, required=True)
@json_option
@pass_client
def vm_destroy(client, vmids, as_json):
    """Destroy VMs (names or ids): stop each, undefine it, delete its disk.

    \b
    Example: vmfabric vm destroy web-1 web-2 12
    """
    done = {"destroyed": [], "deleting": []}
    for vmid in vmids:
        data = client.call("DELETE", f"/vms/{vmid}")
        done["deleting" if "vm" in data else "destroyed"].append(vmid)
        if not as_json:
            click.echo(f"vm {vmid}: its host does not answer; it is deleting and goes when the "
                       f"host is back ({data['vm']['error']})" if "vm" in data else
                       f"vm {vmid} destroyed")
    emit(click.get_current_context(), done)


def _power(action, help_text):
    @vm.command(action, help=help_text + "\n\n\b\nExample: vmfabric vm " + action
                + " web-1 web-2 --wait")
    @click.argument("vmids", type=VM, nargs=-1, required=True)
    @click.option("--wait", is_flag=True, help=f"Wait until each VM is {ENDS_IN[action]}.")
    @click.option("--timeout", type=click.FloatRange(1, 3600), default=120, show_default=True,
                  help="Seconds --wait waits for each VM.")
    @json_option
    @pass_client
    def command(client, vmids, wait, timeout, as_json):
        shown = []
        for vmid in vmids:
            found = client.call("POST", f"/vms/{vmid}/actions", {"action": action})["vm"]
            shown.append(waiting.state(client, vmid, ENDS_IN[action], timeout) if wait else found)
        emit(click.get_current_context(), {"vms": shown}, shown, VM_COLUMNS)
    return command


for _action, _help in (("start", "Start stopped VMs (names or ids)."),
                       ("stop", "Force VMs off."), ("reboot", "Reboot running VMs."),
                       ("pause", "Suspend running VMs."), ("resume", "Resume paused VMs.")):
    _power(_action, _help)


@vm.command("shutdown")
@click.argument("vmid", type=VM)
@click.option("--force", is_flag=True, help="Stop the VM if its guest has not shut down within "
              "the server's compute.shutdown_timeout.")
@click.option("--wait", is_flag=True, help="Wait until the VM is off (or its shutdown is "
              "reported overdue).")
@json_option
@pass_client
def vm_shutdown(client, vmid, force, wait, as_json):
    """Ask the guest to shut down (its ACPI power button)."""
    body = {"action": "shutdown", **({"force": True} if force else {})}
    data = client.call("POST", f"/vms/{vmid}/actions", body)
    while wait and data["vm"]["state"] == "running" and data["vm"]["shutdown"] \
            and not data["vm"]["shutdown"]["overdue"]:
        time.sleep(1)
        data = client.call("GET", f"/vms/{vmid}")
    emit(click.get_current_context(), data, [data["vm"]], VM_COLUMNS)
    late = data["vm"].get("shutdown") or {}
    if late.get("overdue") and not as_json:
        click.echo(f"vm {vmid}: the guest has not shut down (it may ignore the power button); "
                   f"`vmfabric vm stop {vmid}` forces it off", err=True)
    if wait and data["vm"]["state"] == "running":
        raise SystemExit(1)


@vm.command("console")
@click.argument("vmid", type=VM)
@click.option("--lines", type=click.IntRange(1, 10000), default=50, show_default=True)
@json_option
@pass_client
def vm_console(client, vmid, lines, as_json):
    """The last lines of a VM's serial console."""
    data = client.call("GET", f"/vms/{vmid}/console", params={"lines": lines})
    emit(click.get_current_context(), data)
    if not as_json:
        click.echo("\n".join(data["lines"]))


table_command(pm, "list", "/pms", "pms", PM_COLUMNS,
              "List PMs: what their VMs hold of each resource (used/total), and their state.")


@pm.command("add")
@click.argument("address")
@json_option
@pass_client
def pm_add(client, address, as_json):
    """Add a host ([user@]address[:port]) at runtime and discover it."""
    with _progress(f"adding and discovering {address}", as_json):
        data = client.call("POST", "/pms", {"address": address})
        job = client.wait_job(data["job"])
    pm = client.call("GET", f"/pms/{data['pm']['id']}")["pm"]
    emit(click.get_current_context(), {"pm": pm, "job": job}, [pm], PM_COLUMNS)


@pm.command("discover")
@click.argument("pmids", type=int, nargs=-1)
@click.option("--poll", type=click.FloatRange(0.1, 60), default=0.5, show_default=True,
              help="Seconds between looks at the job.")
@json_option
@pass_client
def pm_discover(client, pmids, poll, as_json):
    """Rediscover every PM (or those given) and wait until the job ends."""
    body = {"pmids": list(pmids)} if pmids else {}
    with _progress("discovering", as_json):
        job = client.wait_job(client.call("POST", "/pms/discover", body)["job"], poll)
    data = client.call("GET", "/pms")
    shown = set(job["params"].get("pmids") or [p["id"] for p in data["pms"]])
    emit(click.get_current_context(), dict(data, job=job),
         [p for p in data["pms"] if p["id"] in shown], PM_COLUMNS)


@pm.command("rekey")
@click.argument("pmid", type=int)
@click.option("--fingerprint", help="Accept the key with this SHA256 fingerprint without asking "
              "(you compared it with the host's own: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub).")
@json_option
@pass_client
def pm_rekey(client, pmid, fingerprint, as_json):
    """Accept a host's new SSH host key after you have checked it, then rediscover the host."""
    keys = client.call("GET", f"/pms/{pmid}/hostkeys")
    if not keys["offered"]:
        raise VmfabricError(f"pm {pmid} does not answer on SSH; nothing to accept")
    if fingerprint is None:
        click.echo(f"pm {pmid}: recorded keys: {', '.join(keys['recorded']) or 'none'}", err=True)
        click.echo(f"pm {pmid}: the host presents: {', '.join(keys['offered'])}", err=True)
        click.echo("Compare with the host's own (on its console: ssh-keygen -lf "
                   "/etc/ssh/ssh_host_ed25519_key.pub).", err=True)
        fingerprint = keys["offered"][0]
        if not click.confirm(f"Trust {fingerprint} for pm {pmid}?", err=True):
            raise VmfabricError("nothing changed")
    with _progress(f"accepting the key and rediscovering pm {pmid}", as_json):
        job = client.wait_job(client.call("POST", f"/pms/{pmid}/rekey",
                                          {"fingerprint": fingerprint})["job"])
    pm = client.call("GET", f"/pms/{pmid}")["pm"]
    emit(click.get_current_context(), {"pm": pm, "job": job}, [pm], PM_COLUMNS)


@policy.command("show")
@json_option
@pass_client
def policy_show(client, as_json):
    """Show the active placement policy."""
    data = client.call("GET", "/policy")
    emit(click.get_current_context(), data)
    if not as_json:
        click.echo(f"{data['policy']}  (available: {', '.join(data['available'])})")


@policy.command("set")
@click.argument("name")
@json_option
@pass_client
def policy_set(client, name, as_json):
    """Change the active placement policy."""
    data = client.call("PUT", "/policy", {"policy": name})
    emit(click.get_current_context(), data)
    if not as_json:
        click.echo(f"placement policy is now {data['policy']}")


GROUPS = (vm, pm, image, itype, policy)
