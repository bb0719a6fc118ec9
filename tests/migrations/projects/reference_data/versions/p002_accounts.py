"""accounts pointing at plans"""

import sqlalchemy as sa
from alembic import op

revision = "p002"
down_revision = "p001"


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("accounts")
