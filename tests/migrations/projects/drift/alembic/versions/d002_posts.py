"""posts with a CHECK, a foreign key and a partial index"""

import sqlalchemy as sa
from alembic import op

revision = "d002"
down_revision = "d001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("score", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.CheckConstraint("score >= 0", name="ck_posts_score_positive"),
    )
    op.create_index("ix_posts_published", "posts", ["created_at"],
                    postgresql_where=sa.text("score > 0"))


def downgrade() -> None:
    op.drop_index("ix_posts_published", table_name="posts")
    op.drop_table("posts")
