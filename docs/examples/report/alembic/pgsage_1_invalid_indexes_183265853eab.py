"""pgsage: INVALID indexes: rebuilt, or dropped when a rebuild would fail
"""

import sqlalchemy as sa
from alembic import op

revision = '183265853eab'
down_revision = 'h003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # fixes [invalid-index] index uq_daily_stats_stat_date on public.daily_stats is INVALID
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.drop_index('uq_daily_stats_stat_date', schema='public', postgresql_concurrently=True, if_exists=True)
    # rebuild it once the duplicate rows are gone:
    # CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_daily_stats_stat_date ON public.daily_stats USING btree (stat_date);


def downgrade() -> None:
    pass  # nothing this revision did is undone automatically
