# expect: 15
"""autogenerate-style type changes: existing_type says what the column was"""

import sqlalchemy as sa
from alembic import op

revision = "d1"
down_revision = None


def upgrade() -> None:
    # varchar(50) -> varchar(120) and -> text: binary-coercible, no rewrite
    op.alter_column("orders", "code", existing_type=sa.String(50), type_=sa.String(120))
    op.alter_column("orders", "note", existing_type=sa.String(50), type_=sa.Text())
    op.alter_column("orders", "id", existing_type=sa.Integer(), type_=sa.BigInteger())
