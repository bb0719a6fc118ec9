"""b001: the table (full-stack-fastapi-template e2412789c190_initialize_models.py, reduced)"""

import sqlalchemy as sa
from alembic import op

revision = "b001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("item")
