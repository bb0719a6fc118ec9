# expect: none
"""numeric(10, 2) -> numeric(14, 2) keeps the scale: no rewrite"""

import sqlalchemy as sa
from alembic import op

revision = "d2"
down_revision = None


def upgrade() -> None:
    op.alter_column("orders", "amount", existing_type=sa.Numeric(10, 2),
                    type_=sa.Numeric(14, 2), existing_nullable=True)
