# expect: 13
"""add an index on orders.user_id"""

import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = "a1"
down_revision = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    op.create_index("ix_orders_user_id", "orders", ["user_id"],
                    postgresql_concurrently=True)
