"""Entry point of the `vmfabric` command; each subcommand group lives in its own module."""

import sys

import click

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
def cli():
    """vmfabric: provision VMs across your libvirt hypervisor hosts."""


def _register():
    from service.cli import lab, serve, simulate

    cli.add_command(lab.lab)
    cli.add_command(simulate.simulate)
    cli.add_command(serve.serve)


_register()


def main():
    cli(prog_name="vmfabric")


if __name__ == "__main__":
    main()
