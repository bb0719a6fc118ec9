"""g004_dangling"""

import sqlalchemy as sa
from alembic import op

revision = "g004"
down_revision = "g999"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("a", sa.Column("z", sa.Integer))


def downgrade() -> None:
    op.drop_column("a", "z")
