"""d003: a column"""

import sqlalchemy as sa
from alembic import op

revision = "d003"
down_revision = "d002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("d", sa.Column("note", sa.Text))


def downgrade() -> None:
    op.drop_column("d", "note")
