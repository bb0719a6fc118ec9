"""m002_index"""

from alembic import op

revision = "m002"
down_revision = "m001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_m_id", "m", ["id"])


def downgrade() -> None:
    pass
