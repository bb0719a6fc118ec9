"""pgsage: Settings
"""

import sqlalchemy as sa
from alembic import op

revision = 'ba14bd6cb00d'
down_revision = '4857dc999e99'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # fixes [app-role-statement-timeout-unset] login role pgsage_pw_user has no statement_timeout and the server default is 0 (no limit)
    op.execute('ALTER ROLE "pgsage_pw_user" SET statement_timeout = \'30s\';')
    # fixes [checkpoints-forced] 12 of 12 checkpoints (100%) were requested rather than timed; max_wal_size is 1.0 GB
    with op.get_context().autocommit_block():
        op.execute("ALTER SYSTEM SET max_wal_size = '2GB';")
        op.execute('SELECT pg_reload_conf();')
    # fixes [idle-in-transaction-timeout-unset] idle_in_transaction_session_timeout is 0 (disabled) and 1 login role(s) do not set it: pgsage_pw_us…
    with op.get_context().autocommit_block():
        op.execute("ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min';")
        op.execute('SELECT pg_reload_conf();')
    # or only for the application roles:
    # op.execute('ALTER ROLE "pgsage_pw_user" SET idle_in_transaction_session_timeout = \'5min\';')
    # fixes [slow-query-log-off] log_min_duration_statement is -1: no statement is logged for being slow
    with op.get_context().autocommit_block():
        op.execute('ALTER SYSTEM SET log_min_duration_statement = 1000;')
        op.execute('SELECT pg_reload_conf();')
    # fixes [random-page-cost] random_page_cost is 4: the planner prices random reads as on spinning disks
    with op.get_context().autocommit_block():
        op.execute('ALTER SYSTEM SET random_page_cost = 1.1;')
        op.execute('SELECT pg_reload_conf();')


def downgrade() -> None:
    pass  # nothing this revision did is undone automatically
