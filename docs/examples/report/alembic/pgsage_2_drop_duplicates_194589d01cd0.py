"""pgsage: Drops of duplicate and redundant indexes
"""

import sqlalchemy as sa
from alembic import op

revision = '194589d01cd0'
down_revision = '183265853eab'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # fixes [duplicate-index] index idx_users_telegram_id duplicates users_telegram_id_key on public.users
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.drop_index('idx_users_telegram_id', schema='public', postgresql_concurrently=True, if_exists=True)
    # fixes [duplicate-index] index ix_bot_logs_created_at duplicates idx_bot_logs_created_at on public.bot_logs
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.drop_index('ix_bot_logs_created_at', schema='public', postgresql_concurrently=True, if_exists=True)
    # fixes [redundant-index] index idx_site_visits_visit_date is a prefix of idx_site_visits_visit_date_page_path on public.site…
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.drop_index('idx_site_visits_visit_date', schema='public', postgresql_concurrently=True, if_exists=True)


def downgrade() -> None:
    pass  # nothing this revision did is undone automatically
