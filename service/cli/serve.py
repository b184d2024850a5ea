"""`vmfabric serve`: run the REST server (gunicorn) with a configuration file."""

import click

from service import config as config_mod


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True),
              envvar="VMFABRIC_CONFIG", help="Configuration file (YAML).")
@click.option("--port", type=click.IntRange(1, 65535), help="Override server.port.")
@click.option("--bind", help="Override server.bind (address to listen on).")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (default 2 x cores).")
@click.option("--front", type=click.Choice(["nginx", "none"]),
              help="Override server.front (nginx before the application, or none).")
def serve(config_path, port, bind, workers, front):
    """Run the vmfabric REST server in the foreground."""
    from service.server import serve as run_server

    overrides = {"server": {k: v for k, v in (("port", port), ("bind", bind), ("front", front))
                            if v}}
    run_server(config_mod.load(config_path, overrides=overrides), workers)
