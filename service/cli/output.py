"""Tables for people, JSON for scripts."""

import json

import click


def emit(ctx, data, rows=None, columns=None):
    """Print DATA as JSON with --json, else ROWS as a table of COLUMNS [(title, key)]."""
    if ctx.find_root().params.get("as_json") or ctx.params.get("as_json"):
        click.echo(json.dumps(data, indent=2))
        return
    if rows is None:
        return
    cells = [[_cell(row, key) for _, key in columns] for row in rows]
    widths = [max([len(title)] + [len(c[i]) for c in cells]) for i, (title, _) in enumerate(columns)]
    click.echo("  ".join(t.ljust(w) for (t, _), w in zip(columns, widths)).rstrip())
    for line in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())


def _cell(row, key):
    value = key(row) if callable(key) else row.get(key)
    return "-" if value is None or value == "" else str(value)


class progress:
    """A line on stderr while a long call runs (not with --json)."""

    def __init__(self, label, quiet):
        self.label, self.quiet = label, quiet

    def __enter__(self):
        if not self.quiet:
            click.echo(f"{self.label} ...", err=True)
        return self

    def __exit__(self, *exc):
        return False


def guest_options(command):
    """--type, --image, --ssh-key FILE (repeatable) and --user-data FILE: what every guest a
    create makes is built from and gets at first boot."""
    command = click.option("--user-data", type=click.File("r"),
                           help="A cloud-config file of your own, merged into the guest's.")(command)
    command = click.option("--ssh-key", "ssh_keys", type=click.File("r"), multiple=True,
                           help="A public key file that logs in (repeatable; default: vmfabric's "
                                "own key).")(command)
    command = click.option("--image", "image_id", type=int,
                           help="Image id (default: the first image).")(command)
    return click.option("--type", "tid", type=int, required=True,
                        help="Instance type id of every VM made.")(command)


def create_body(name, tid, image_id, ssh_keys, user_data, **extra):
    """The body of a create (a VM, a batch, a cluster): NAME, instance type TID, IMAGE_ID when
    given, what --ssh-key and --user-data give, and EXTRA."""
    body = {"name": name, "instance_type": tid, **extra, **first_boot(ssh_keys, user_data)}
    if image_id:
        body["image_id"] = image_id
    return body


def first_boot(ssh_keys, user_data):
    """The request fields for --ssh-key and --user-data."""
    body = {}
    if ssh_keys:
        body["ssh_keys"] = [line.strip() for fh in ssh_keys for line in fh.read().splitlines()
                            if line.strip() and not line.startswith("#")]
    if user_data:
        body["user_data"] = user_data.read()
    return body


def table_command(group, name, path, key, columns, doc, argument=None, kind=int):
    """A command `GROUP NAME [ARGUMENT] [--json]`: GET PATH (formatted with ARGUMENT's value,
    of click type KIND), and its KEY (a list, or one object) as a table of COLUMNS."""
    from service.cli.client import pass_client

    def run(client, as_json, **given):
        data = client.call("GET", path.format(**given))
        rows = data[key] if isinstance(data[key], list) else [data[key]]
        emit(click.get_current_context(), data, rows, columns)

    command = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(pass_client(run))
    if argument:
        command = click.argument(argument, type=kind)(command)
    return group.command(name, help=doc)(command)


def gone_command(group, name, path, arguments, said, doc):
    """A command `GROUP NAME ARGUMENTS... [--json]` that DELETEs PATH (formatted with the
    arguments) and says SAID (formatted the same way), or prints {"deleted": ARGUMENTS}."""
    from service.cli.client import pass_client

    def run(client, as_json, **given):
        client.call("DELETE", path.format(**given))
        if as_json:
            click.echo(json.dumps({"deleted": given}))
        else:
            click.echo(said.format(**given))

    command = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(pass_client(run))
    for argument, kind in reversed(arguments):
        command = click.argument(argument, type=kind)(command)
    return group.command(name, help=doc)(command)


BAR = 30


def bar(done, total, label):
    """[####      ]  40% 12.0/30.0 MiB  LABEL (no bar while TOTAL is unknown)."""
    if not total:
        return f"[{' ' * BAR}]   -   {done / 2 ** 20:.1f} MiB  {label}"
    share = max(0.0, min(1.0, done / total))
    filled = int(share * BAR)
    return (f"[{'#' * filled}{' ' * (BAR - filled)}] {share * 100:3.0f}% "
            f"{done / 2 ** 20:.1f}/{total / 2 ** 20:.1f} MiB  {label}")


def when(timestamp):
    """TIMESTAMP in this machine's local time, or - when there is none."""
    import datetime

    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S") \
        if timestamp else "-"
