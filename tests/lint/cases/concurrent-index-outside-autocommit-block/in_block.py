# expect: none
"""add an index on orders.user_id, the right way"""

from alembic import op

revision = "a2"
down_revision = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_user_id", "orders", ["user_id"],
                        postgresql_concurrently=True, if_not_exists=True)
