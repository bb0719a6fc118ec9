"""g005_duplicate"""

import sqlalchemy as sa
from alembic import op

revision = "g002"
down_revision = "g001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("a", sa.Column("w", sa.Integer))


def downgrade() -> None:
    op.drop_column("a", "w")
