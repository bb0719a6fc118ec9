"""plans, with the reference rows the application expects"""

import sqlalchemy as sa
from alembic import op

revision = "p001"
down_revision = None


def upgrade() -> None:
    plans = op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("note", sa.Text),
    )
    op.bulk_insert(plans, [{"name": "free", "note": "time: 10:30"},
                           {"name": "pro", "note": "it's \"quoted\""}])


def downgrade() -> None:
    op.drop_table("plans")
