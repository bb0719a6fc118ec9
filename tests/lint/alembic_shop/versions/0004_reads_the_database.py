"""a data migration that needs a connection (cannot render offline past get_bind)

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("orders", sa.Column("note", sa.Text()))
    rows = op.get_bind().execute(sa.text("SELECT id FROM orders")).fetchall()
    for (order_id,) in rows:
        op.execute(sa.text("UPDATE orders SET note = 'x' WHERE id = :id").bindparams(id=order_id))


def downgrade() -> None:
    op.drop_column("orders", "note")
