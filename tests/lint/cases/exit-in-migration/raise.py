# expect: none
"""stopping with an exception the deploy sees"""

from alembic import op

revision = "e2"
down_revision = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    raise RuntimeError("run ./manage.py db stamp instead")
