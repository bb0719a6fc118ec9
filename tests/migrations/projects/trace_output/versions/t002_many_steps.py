"""t002: many steps on two tables (as d98dd8ec85a3_edit_replace_id_integers_in_all_models_.py
and 9c0a54914c78_add_max_length_for_string_varchar_.py)"""

import sqlalchemy as sa
from alembic import op

revision = "t002"
down_revision = "t001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # statement 1 rebuilds ix_user_email under its own name
    op.alter_column("user", "email", type_=sa.String(255))
    op.alter_column("user", "full_name", type_=sa.String(255))
    for number in range(10):
        # a volatile default rewrites the table: ten table-rewrite findings from one line
        op.add_column(
            "item", sa.Column(f"c{number}", sa.Float, server_default=sa.text("random()"))
        )
    # statement 13: dropping the foreign key locks the referenced table too
    op.drop_constraint("item_owner_id_fkey", "item", type_="foreignkey")


def downgrade() -> None:
    pass
