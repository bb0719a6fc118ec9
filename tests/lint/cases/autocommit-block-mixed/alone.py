# expect: none
"""only the concurrent index"""

from alembic import op

revision = "b2"
down_revision = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_shop_id", "orders", ["shop_id"],
                        postgresql_concurrently=True)
        op.execute("ALTER TYPE order_state ADD VALUE IF NOT EXISTS 'refunded'")
