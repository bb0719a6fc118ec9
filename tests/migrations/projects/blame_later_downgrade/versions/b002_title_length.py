"""b002: a length on a VARCHAR (as 9c0a54914c78_add_max_length_for_string_varchar_.py)"""

import sqlalchemy as sa
from alembic import op

revision = "b002"
down_revision = "b001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("item", "title", type_=sa.String(255))


def downgrade() -> None:
    op.alter_column("item", "title", type_=sa.String())
