"""users and the mood enum"""

import sqlalchemy as sa
from alembic import op

revision = "h001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200), nullable=False, unique=True),
        sa.Column("mood", sa.Enum("happy", "sad", name="mood"), nullable=False,
                  server_default="happy"),
    )


def downgrade() -> None:
    op.drop_table("users")
    sa.Enum(name="mood").drop(op.get_bind())
