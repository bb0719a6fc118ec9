# expect: none
"""a lookup table and its rows (op.bulk_insert renders INSERTs offline)"""

import sqlalchemy as sa
from alembic import op

revision = "c3"
down_revision = None


def upgrade() -> None:
    states = op.create_table("order_states", sa.Column("name", sa.Text(), primary_key=True))
    op.bulk_insert(states, [{"name": "new"}, {"name": "paid"}])
