# expect: 13
"""full-stack-fastapi-template 9c0a54914c78, reduced"""

import sqlalchemy as sa
from alembic import op

revision = "n1"
down_revision = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '2s'")
    op.alter_column(
        "item", "title", existing_type=sa.VARCHAR(), type_=sa.String(length=255)
    )
