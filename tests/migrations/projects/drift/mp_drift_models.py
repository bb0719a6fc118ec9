"""Models that drifted from the drift project's migrations, in ways autogenerate sees and in
ways only the catalog diff sees."""

import sqlalchemy as sa

metadata = sa.MetaData()

# A label the migrations never added: catalog diff only.
mood = sa.Enum("happy", "sad", "angry", name="mood")

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(200), nullable=False),
    sa.Column("mood", mood, nullable=False, server_default="happy"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
    # Not in the migrations: autogenerate sees it.
    sa.Column("nickname", sa.String(50)),
    # The migrations let PostgreSQL name it users_email_key: a name-only difference.
    sa.UniqueConstraint("email", name="uq_users_email"),
)

posts = sa.Table(
    "posts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    # Another server default than the migrations' "0".
    sa.Column("score", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
              server_default=sa.text("now()")),
    # Another CHECK expression under the same name: catalog diff only.
    sa.CheckConstraint("score >= 1", name="ck_posts_score_positive"),
    # Another partial-index predicate under the same name: catalog diff only.
    sa.Index("ix_posts_published", "created_at", postgresql_where=sa.text("score > 10")),
)
