"""orders.state, required, with an index

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("orders", sa.Column("state", sa.Text(), nullable=False))
    op.create_index("ix_orders_state", "orders", ["state"], postgresql_concurrently=True)
    op.execute("UPDATE orders SET state = 'new'")


def downgrade() -> None:
    op.drop_index("ix_orders_state", table_name="orders")
    op.drop_column("orders", "state")
