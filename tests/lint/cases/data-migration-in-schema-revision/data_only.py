# expect: none
"""fill orders.state (data only)"""

import sqlalchemy as sa
from alembic import op

revision = "c2"
down_revision = None


def upgrade() -> None:
    orders = sa.table("orders", sa.column("state", sa.Text()), sa.column("paid_at"))
    op.execute(orders.update().where(orders.c.paid_at.isnot(None)).values(state="paid"))
