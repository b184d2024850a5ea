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
