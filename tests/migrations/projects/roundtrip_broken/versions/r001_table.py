"""r001_table"""

import sqlalchemy as sa
from alembic import op

revision = "r001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("r", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("r")
