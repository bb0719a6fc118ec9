"""pgsage: Needs a decision or a maintenance window: commented out, never run by this script
"""

import sqlalchemy as sa
from alembic import op

revision = '80b71e85533b'
down_revision = 'ba14bd6cb00d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # fixes [no-primary-key] public.daily_stats has no primary key and no unique index on NOT NULL columns that could become one
    # op.execute("SET lock_timeout = '5s';")
    # op.execute('ALTER TABLE "public"."daily_stats" ADD COLUMN "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;')
    # fixes [sequence-exhaustion] sequence public.bot_logs_id_seq feeding public.bot_logs.id (integer) is at 1,790,000,200, 83.4 % of…
    # op.execute("SET lock_timeout = '5s';")
    # op.execute('ALTER TABLE "public"."bot_logs" ALTER COLUMN "id" TYPE bigint;')
    # op.execute('ALTER SEQUENCE "public"."bot_logs_id_seq" AS bigint;')
    pass


def downgrade() -> None:
    pass  # nothing this revision did is undone automatically
