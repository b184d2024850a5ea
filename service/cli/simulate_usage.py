"""`vmfabric simulate --usage-trace DAY.csv`: days of real per-VM CPU use through every policy."""

import json
import os

import click

from service.simulate import usage_compare

COLUMNS = (("policy", "POLICY", "{}"), ("host_hours", "HOST-HOURS", "{:,.1f}"),
           ("vs_best_fit", "x BEST_FIT", "{:.3f}"), ("vs_oracle", "x ORACLE", "{:.3f}"),
           ("overload", "OVERLOAD", "{:.2%}"), ("steal_p99", "STEAL p99", "{:.1%}"),
           ("migrations_per_vm_day", "MIGRATIONS/VM/DAY", "{:.2f}"))


def size(value, what):
    try:
        found = tuple(int(v) for v in value.split(","))
    except ValueError:
        found = ()
    if len(found) != 3 or min(found) <= 0:
        raise click.BadParameter(f"{value!r}: three positive numbers CPU,RAM_MB,DISK_GB",
                                 param_hint=what)
    return found


def run(paths, vm_size, host_size, policies, as_json):
    vm, host = size(vm_size, "--vm-size"), size(host_size, "--host-size")
    if any(vm[r] > host[r] for r in range(3)):
        raise click.BadParameter(f"a VM of {vm_size} does not fit a host of {host_size}",
                                 param_hint="--vm-size")
    unknown = [name for name in policies if name not in usage_compare.POLICIES]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: not one of "
                                 f"{', '.join(usage_compare.POLICIES)}", param_hint="--policy")
    reports = usage_compare.compare(paths, vm, host, policies or None)
    if as_json:
        click.echo(json.dumps(reports))
        return
    for path in paths:
        rows = [r for r in reports if r["day"] == path]
        click.echo(f"{os.path.basename(path)}: {rows[0]['vms']} VMs of {vm[0]} vCPU, {vm[1]} MB, "
                   f"{vm[2]} GB on up to {rows[0]['hosts']} hosts of {host[0]} CPUs, {host[1]} MB, "
                   f"{host[2]} GB")
        widths = [max(len(title), 10) for _, title, _ in COLUMNS]
        widths[0] = max(len(r["policy"]) for r in rows)
        click.echo("  ".join(t.ljust(w) for (_, t, _), w in zip(COLUMNS, widths)))
        for report in rows:
            cells = [fmt.format(report[key]) if report.get(key) is not None else "-"
                     for key, _, fmt in COLUMNS]
            click.echo("  ".join(c.ljust(w) for c, w in zip(cells, widths)))
        click.echo("")
