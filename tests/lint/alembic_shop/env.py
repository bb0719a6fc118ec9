"""env.py of the test project: pgsage lint does not run it, but reads that it sets lock_timeout."""

from alembic import context


def run_migrations_online() -> None:
    connectable = context.config.attributes["connection"]
    connectable.exec_driver_sql("SET lock_timeout = '2s'")
    context.configure(connection=connectable, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
