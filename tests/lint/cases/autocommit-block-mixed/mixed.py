# expect: 12, 16
"""a column and its index in one revision"""

import sqlalchemy as sa
from alembic import op

revision = "b1"
down_revision = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("shop_id", sa.BigInteger()))
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_shop_id", "orders", ["shop_id"],
                        postgresql_concurrently=True)
        op.drop_column("orders", "legacy")
