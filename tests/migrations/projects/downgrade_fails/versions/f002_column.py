"""f002: a downgrade that fails (warehouse df52c3746740_..., reduced)"""

import sqlalchemy as sa
from alembic import op

revision = "f002"
down_revision = "f001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("f", sa.Column("user_id", sa.Integer))


def downgrade() -> None:
    # as warehouse df52c3746740: op.drop_constraint(None, ...) cannot even be compiled
    op.drop_constraint(None, "f", type_="foreignkey")
    op.drop_column("f", "user_id")
