"""`vmfabric vm top` / `pm top`: what guests and hosts use now, refreshed like virt-top; and
`vm show` / `pm show` with their last sample (service/telemetry, /api/v1/metrics/...)."""

import time

import click

from service.cli.refs import VM
from service.cli.client import pass_client
from service.cli.output import emit
from service.cli.resources import PM_COLUMNS, VM_COLUMNS, pm, vm

KB = 1000


def _rate(field):
    return lambda row: "-" if row.get(field) is None else f"{row[field] / KB:.1f}"


def _pct(field):
    return lambda row: "-" if row.get(field) is None else f"{row[field]:.1f}"


USAGE_COLUMNS = [("CPU%", _pct("cpu")), ("STEAL%", _pct("steal")), ("MEM MB", _pct("mem_mb")),
                 ("READ kB/s", _rate("read_bps")), ("WRITE kB/s", _rate("write_bps")),
                 ("NET IN kB/s", _rate("rx_bps")), ("NET OUT kB/s", _rate("tx_bps"))]
SORTS = {"cpu": lambda r: r.get("cpu") or 0, "steal": lambda r: r.get("steal") or 0,
         "mem": lambda r: r.get("mem_mb") or 0,
         "io": lambda r: sum(r.get(f) or 0 for f in ("read_bps", "write_bps", "rx_bps", "tx_bps"))}


def _top(client, path, first_columns, sort, every, once):
    """The table of PATH's usage sorted by SORT, redrawn every EVERY seconds until ^C."""
    context = click.get_current_context()
    while True:
        data = client.call("GET", path)
        rows = sorted(data["usage"], key=SORTS[sort], reverse=True)
        if not once:
            click.clear()
            click.echo(f"vmfabric top  {time.strftime('%H:%M:%S')}  sorted by {sort}  "
                       f"(every {every:g} s, ^C to stop)")
        emit(context, data, rows, first_columns + USAGE_COLUMNS)
        if once:
            return
        try:
            time.sleep(every)
        except KeyboardInterrupt:
            return


def top_options(command):
    command = click.option("--sort", type=click.Choice(list(SORTS)), default="cpu",
                           show_default=True)(command)
    command = click.option("--every", type=click.FloatRange(1, 3600), default=5,
                           show_default=True, help="Seconds between refreshes.")(command)
    command = click.option("--once", is_flag=True, help="Print one table and stop.")(command)
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (once).")(command)


@vm.command("top")
@top_options
@pass_client
def vm_top(client, sort, every, once, as_json):
    """What every VM you may see uses now: CPU and steal (% of its vCPUs), memory, I/O."""
    _top(client, "/metrics/vms", [("VMID", "id"), ("NAME", lambda r: (r["name"] or "")[:30]),
                                  ("PMID", "pmid")], sort, every, once or as_json)


@pm.command("top")
@top_options
@pass_client
def pm_top(client, sort, every, once, as_json):
    """What every host uses now: its CPU, its guests' steal, its memory, its guests' I/O."""
    _top(client, "/metrics/pms", [("PMID", "id"), ("ADDRESS", "name")], sort, every,
         once or as_json)


def _show(client, path, key, columns):
    data = client.call("GET", path)
    last = client.call("GET", f"{path}/metrics")["metrics"]["last"]
    data[key]["usage"] = last
    row = dict(data[key], **(last or {}))
    emit(click.get_current_context(), data, [row], columns + USAGE_COLUMNS)


@vm.command("show")
@click.argument("vmid", type=VM)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_client
def vm_show(client, vmid, as_json):
    """Show one VM: its state and its last sample of use."""
    _show(client, f"/vms/{vmid}", "vm", VM_COLUMNS + [("ERROR", "error")])


@pm.command("show")
@click.argument("pmid", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_client
def pm_show(client, pmid, as_json):
    """Show one PM: its state, room and last sample of use."""
    _show(client, f"/pms/{pmid}", "pm", PM_COLUMNS)
