"""env.py as `alembic init` writes it, plus the runbook's PERF_INDEXES filter."""

from alembic import context
from mp_drift_models import metadata

config = context.config
target_metadata = metadata

# Performance indexes are created by migrations but kept out of the models on purpose.
PERF_INDEXES = {"ix_posts_author_created"}


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "index" and name in PERF_INDEXES)


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    raise RuntimeError("the tests never run this project online through env.py")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
