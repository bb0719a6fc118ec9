"""users.active with a default, and a performance index built concurrently"""

import sqlalchemy as sa
from alembic import op

revision = "h003"
down_revision = "h002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("active", sa.Boolean, nullable=False,
                                     server_default=sa.text("true")))
    with op.get_context().autocommit_block():
        op.create_index("ix_posts_author_created", "posts", ["author_id", "created_at"],
                        postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_posts_author_created", table_name="posts",
                      postgresql_concurrently=True)
    op.drop_column("users", "active")
