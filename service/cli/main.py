"""Entry point of the `vmfabric` command; each subcommand group lives in its own module."""

import sys

import click

from service import defaults
from service.errors import VmfabricError


class Group(click.Group):
    """Turns every VmfabricError into a one-line reason and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except VmfabricError as exc:
            click.echo(f"vmfabric: {exc}", err=True)
            sys.exit(1)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vmfabric")
@click.option("--url", envvar="VMFABRIC_URL", default=defaults.url,
              show_default="$VMFABRIC_URL or http://localhost:$VMFABRIC_PORT (80)",
              help="The vmfabric server the vm/pm/image/type/policy commands talk to.")
@click.option("--token", help="API token (default: $VMFABRIC_TOKEN, else the stored login).")
@click.pass_context
def cli(ctx, url, token):
    """vmfabric: provision VMs across your libvirt hypervisor hosts."""
    ctx.obj = {"url": url, "token": token}


def _register():
    from service.cli import db, serve, simulate

    try:
        from vmfabric_lab.cli import lab  # the test and demo tool; a server never imports it
    except ImportError:
        lab = None
    if lab is not None:
        cli.add_command(lab)
    cli.add_command(simulate.simulate)
    cli.add_command(serve.serve)
    cli.add_command(db.db)
    from service.cli import (autoscale, catalog, clusters, identity, jobs,  # noqa: F401
                             migration, rebalance, resources, sizes, snapshots, top,
                             volumes)  # (their commands)

    for group in resources.GROUPS + (clusters.cluster, volumes.volume, jobs.job) + identity.GROUPS:
        cli.add_command(group)
    for command in identity.COMMANDS + (rebalance.rebalance,):
        cli.add_command(command)
    from service.cli import examples

    examples.attach(cli)


_register()


def main():
    cli(prog_name="vmfabric")


if __name__ == "__main__":
    main()
