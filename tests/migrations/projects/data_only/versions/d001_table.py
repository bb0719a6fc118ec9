"""d001: the table; its downgrade leaves a table behind (shows the walk reached it)"""

import sqlalchemy as sa
from alembic import op

revision = "d001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("d", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("d")
    op.execute("CREATE TABLE IF NOT EXISTS d_leftover (id integer)")
