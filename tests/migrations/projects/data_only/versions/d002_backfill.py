"""d002: a data backfill without a downgrade (as warehouse 423ffda7411f)"""

import sqlalchemy as sa
from alembic import op

revision = "d002"
down_revision = "d001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("INSERT INTO d (id) VALUES (1), (2)")


def downgrade() -> None:
    pass
