"""The models the healthy project's migrations produce exactly."""

import sqlalchemy as sa

metadata = sa.MetaData()

mood = sa.Enum("happy", "sad", name="mood")

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(200), nullable=False, unique=True),
    sa.Column("mood", mood, nullable=False, server_default="happy"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
)

posts = sa.Table(
    "posts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("score", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
              server_default=sa.text("now()")),
    sa.CheckConstraint("score >= 0", name="ck_posts_score_positive"),
    sa.Index("ix_posts_published", "created_at", postgresql_where=sa.text("score > 0")),
)
