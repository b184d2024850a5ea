"""`vmfabric simulate`: compare placement policies on a synthetic or recorded workload."""

import json

import click


from service.simulate import replay, workload
from service.placement.policies import POLICIES, get_policy

COLUMNS = (("policy", "POLICY", "{}"), ("placed", "PLACED", "{}"), ("rejected", "REJECTED", "{}"),
           ("pms_used_peak", "PMS PEAK", "{}"), ("lower_bound_peak", "LOWER BOUND", "{}"),
           ("used_over_lower_bound", "RATIO", "{:.3f}"), ("decision_p50_us", "P50 us", "{:.1f}"),
           ("decision_p99_us", "P99 us", "{:.1f}"), ("decisions_per_s", "DECISIONS/s", "{:,.0f}"))


DEFAULT_HOST_SIZE = "64,262144,2000"
USAGE_HOST_SIZE = "8,8192,100"  # the lab's hosts


def _host_size(value):
    try:
        size = tuple(int(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected CPU,RAM_MB,DISK_GB such as 64,262144,2000")
    if len(size) != 3 or min(size) <= 0:
        raise click.BadParameter(f"{value!r}: three positive numbers CPU,RAM_MB,DISK_GB")
    return size


@click.command()
@click.option("--policy", default="all", show_default=True,
              help=f"One of {', '.join(sorted(POLICIES))}, or 'all' to compare them.")
@click.option("--hosts", default=1000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--host-size", default=DEFAULT_HOST_SIZE, show_default=True,
              help=f"CPU,RAM_MB,DISK_GB of every host ({USAGE_HOST_SIZE} with --usage-trace).")
@click.option("--requests", default=20000, show_default=True, type=click.IntRange(1),
              help="VM arrivals in the synthetic workload.")
@click.option("--trace", type=click.Path(dir_okay=False),
              help="CSV of arrival,lifetime,cpu,ram_mb,disk_gb instead of the synthetic mix.")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--rebalance", "goal", type=click.Choice(["consolidate", "balance"]),
              help="Also replay it rebalancing toward this goal, and compare.")
@click.option("--every", type=click.IntRange(1), default=1000, show_default=True,
              help="With --rebalance: arrivals between two rebalances.")
@click.option("--usage-trace", "usage_traces", multiple=True, type=click.Path(dir_okay=False),
              help="A day of per-VM CPU use (name,u1,...,u288 in % of one core; repeat for "
                   "several days): every rebalancing policy replayed on it, in one table.")
@click.option("--vm-size", default="1,512,1", show_default=True,
              help="With --usage-trace: CPU,RAM_MB,DISK_GB of every trace VM (type 1).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (a list with --policy all).")
def simulate(policy, hosts, host_size, requests, trace, seed, goal, every, usage_traces, vm_size,
             as_json):
    """Replay VM arrivals and departures through the service's placement code; or, with
    --usage-trace, days of real use through placement and rebalancing by use.

    \b
    Examples:
      vmfabric simulate --policy all --hosts 1000
      vmfabric simulate --usage-trace day.csv --host-size 8,32768,100
    """
    if usage_traces:
        from service.cli import simulate_usage
        simulate_usage.run(usage_traces, vm_size, host_size if host_size != DEFAULT_HOST_SIZE
                           else USAGE_HOST_SIZE, [] if policy == "all" else policy.split(","),
                           as_json)
        return
    size = _host_size(host_size)
    names = sorted(POLICIES) if policy == "all" else [policy]
    for name in names:
        get_policy(name)
    if trace:
        recorded = workload.trace(trace, size)
    if goal:
        _compare(names, hosts, size, lambda: recorded if trace else workload.synthetic(
            requests, hosts, size, seed), goal, every, as_json)
        return
    reports = []
    for name in names:
        arrivals = recorded if trace else workload.synthetic(requests, hosts, size, seed)
        reports.append(replay.run(name, hosts, size, arrivals))
    if as_json:
        click.echo(json.dumps(reports[0] if len(reports) == 1 else reports))
        return
    click.echo(f"{hosts} hosts of {size[0]} CPU, {size[1]} MB RAM, {size[2]} GB disk; "
               f"{reports[0]['requests']} requests" + (f" from {trace}" if trace else f", seed {seed}"))
    widths = [max(len(title), 11) for _, title, _ in COLUMNS]
    click.echo("  ".join(t.ljust(w) for (_, t, _), w in zip(COLUMNS, widths)))
    for report in reports:
        cells = [fmt.format(report[key]) if report[key] is not None else "-"
                 for key, _, fmt in COLUMNS]
        click.echo("  ".join(c.ljust(w) for c, w in zip(cells, widths)))


def _compare(names, hosts, size, arrivals, goal, every, as_json):
    """Each policy's replay without and with GOAL every EVERY arrivals, side by side."""
    reports = []
    for name in names:
        plain = replay.run(name, hosts, size, arrivals())
        with_goal = replay.run(name, hosts, size, arrivals(), goal=goal, every=every)
        reports.append({"policy": name, "without": plain, "with": with_goal})
    if as_json:
        click.echo(json.dumps(reports[0] if len(reports) == 1 else reports))
        return
    click.echo(f"{hosts} hosts of {size[0]} CPU, {size[1]} MB RAM, {size[2]} GB disk; "
               f"{goal} every {every} arrivals")
    click.echo("POLICY       IN USE (mean) without -> with   PEAK without -> with   MIGRATIONS  "
               "PLAN max s")
    for report in reports:
        a, b = report["without"], report["with"]
        click.echo(f"{report['policy']:<12} {a['hosts_in_use_mean']:>8} -> {b['hosts_in_use_mean']:<14}"
                   f" {a['hosts_in_use_peak']:>6} -> {b['hosts_in_use_peak']:<10} "
                   f"{b['migrations']:>10}  {b['plan_s_max']:>10}")
    for report in reports:
        click.echo(f"{report['policy']} hosts in use over time, without: "
                   f"{report['without']['over_time']}")
        click.echo(f"{report['policy']} hosts in use over time, with:    "
                   f"{report['with']['over_time']}")
