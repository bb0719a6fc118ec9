# expect: 13
"""add orders.state and fill it"""

import sqlalchemy as sa
from alembic import op

revision = "c1"
down_revision = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("state", sa.Text()))
    op.execute("UPDATE orders SET state = 'paid' WHERE paid_at IS NOT NULL")
