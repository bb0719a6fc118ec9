"""r002_column"""

import sqlalchemy as sa
from alembic import op

revision = "r002"
down_revision = "r001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("r", sa.Column("c", sa.Integer))


def downgrade() -> None:
    op.drop_column("r", "c")
    op.add_column("r", sa.Column("leftover", sa.Integer))
