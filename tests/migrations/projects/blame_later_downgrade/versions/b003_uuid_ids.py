"""b003: the downgrade does not restore what the upgrade changed (as d98dd8ec85a3_edit_replace_id_integers_in_all_models_.py)"""

import sqlalchemy as sa
from alembic import op

revision = "b003"
down_revision = "b002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("item", "owner_id", nullable=True)
    op.alter_column("item", "id", server_default=None)


def downgrade() -> None:
    # leaves owner_id nullable and id without its sequence default, as
    # d98dd8ec85a3_edit_replace_id_integers_in_all_models_.py's downgrade does
    op.execute("SELECT 1")
