"""t001: two tables (full-stack-fastapi-template e2412789c190_initialize_models.py, reduced)"""

import logging

import sqlalchemy as sa
from alembic import op

# A project package that sets up logging when a revision imports it (redash's does): Alembic's
# INFO lines would reach stderr.
logging.basicConfig(level=logging.INFO)

revision = "t001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("full_name", sa.String()),
    )
    op.create_index("ix_user_email", "user", ["email"], unique=True)
    op.create_table(
        "item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("user.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("item")
    op.drop_table("user")
