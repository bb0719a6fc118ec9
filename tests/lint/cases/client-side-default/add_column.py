# expect: 14
"""redash 65fc9ede4746_add_is_draft_status_to_queries_and_.py, reduced"""

import sqlalchemy as sa
from alembic import op

revision = "c1"
down_revision = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    op.add_column(
        "queries", sa.Column("is_draft", sa.Boolean, default=True, index=True)
    )
