"""users.active with a default, and a performance index built concurrently"""

import sqlalchemy as sa
from alembic import op

revision = "d003"
down_revision = "d002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("active", sa.Boolean, nullable=False,
                                     server_default=sa.text("true")))
    with op.get_context().autocommit_block():
        op.create_index("ix_posts_author_created", "posts", ["author_id", "created_at"],
                        postgresql_concurrently=True)
    # Not in the models and not a PERF_INDEXES entry: drift.
    op.create_index("ix_posts_title", "posts", ["title"])
    # A view and a function the models cannot describe: not drift.
    op.execute("CREATE VIEW active_users AS SELECT id, email FROM users WHERE active")
    op.execute("CREATE FUNCTION post_count(author integer) RETURNS bigint LANGUAGE sql "
               "AS 'SELECT count(*) FROM posts WHERE author_id = author'")


def downgrade() -> None:
    op.execute("DROP FUNCTION post_count(integer)")
    op.execute("DROP VIEW active_users")
    op.drop_index("ix_posts_title", table_name="posts")
    with op.get_context().autocommit_block():
        op.drop_index("ix_posts_author_created", table_name="posts",
                      postgresql_concurrently=True)
    op.drop_column("users", "active")
