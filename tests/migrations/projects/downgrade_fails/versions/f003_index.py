"""f003: an index"""

import sqlalchemy as sa
from alembic import op

revision = "f003"
down_revision = "f002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_f_user_id", "f", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_f_user_id", table_name="f")
