"""orders.total as a type change, suppressed after review

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # pgsage: ignore[changing-column-type] orders is tiny in every deployment (reviewed)
    op.alter_column("orders", "user_id", type_=sa.Numeric(20, 0))
    op.alter_column("orders", "created_at", nullable=False)  # pgsage: ignore[ban-drop-table]


def downgrade() -> None:
    op.alter_column("orders", "user_id", type_=sa.BigInteger())
