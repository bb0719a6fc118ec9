"""g001_base"""

import sqlalchemy as sa
from alembic import op

revision = "g001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("a", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("a")
