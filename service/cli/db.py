"""`vmfabric db upgrade`: bring the store to the newest schema, keeping its data."""

import click

from service import config as config_mod


@click.group()
def db():
    """The store's schema."""


@db.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True),
              envvar="VMFABRIC_CONFIG", help="Configuration file (YAML).")
def upgrade(config_path):
    """Apply every migration the store lacks (a server does this at start too)."""
    import sqlalchemy as sa

    from service.store import upgrade

    config = config_mod.load(config_path)
    engine = sa.create_engine(config["database"])
    try:
        before, after = upgrade.upgrade(engine)
    finally:
        engine.dispose()
    click.echo(f"store at revision {after}" + ("" if before == after else f" (was {before or 'empty'})"))
