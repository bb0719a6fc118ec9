# expect: none
"""the same column with a server default"""

import sqlalchemy as sa
from alembic import op

revision = "c2"
down_revision = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    op.add_column(
        "queries",
        sa.Column("is_draft", sa.Boolean, server_default=sa.true(), nullable=False),
    )
