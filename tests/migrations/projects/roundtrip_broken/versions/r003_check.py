"""r003_check"""

from alembic import op

revision = "r003"
down_revision = "r002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_check_constraint("ck_r_c", "r", "c > 0")


def downgrade() -> None:
    op.drop_constraint("ck_r_c", "r", type_="check")
