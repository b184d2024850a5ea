"""Alembic's entry point: migrations run on the connection service/store/upgrade.py gives."""

from alembic import context

from service.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  # SQLite changes columns and constraints by copying the table
                  render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
