"""pgsage: Table maintenance (validate constraints, storage parameters)
"""

import sqlalchemy as sa
from alembic import op

revision = '4857dc999e99'
down_revision = '391aa2998ba6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # fixes [autovacuum-disabled] public.dialogs has autovacuum_enabled = false but 707 rows written (307 dead now); last vacuumed ne…
    op.execute("SET lock_timeout = '5s';")
    op.execute('ALTER TABLE "public"."dialogs" RESET ("autovacuum_enabled");')
    # fixes [not-valid-constraint] CHECK constraint services_price_check on public.services is NOT VALID: existing rows were never che…
    op.execute("SET lock_timeout = '5s';")
    op.execute('ALTER TABLE "public"."services" VALIDATE CONSTRAINT "services_price_check";')


def downgrade() -> None:
    pass  # nothing this revision did is undone automatically
