"""p001: pgcrypto (as warehouse 128a0ead322 and fastapi-template uuid-ossp)"""

import sqlalchemy as sa
from alembic import op

revision = "p001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    op.create_table(
        "token",
        sa.Column("id", sa.Uuid, server_default=sa.text("gen_random_uuid()"), primary_key=True),
        sa.Column("digest", sa.LargeBinary, server_default=sa.text("digest('', 'sha256')")),
    )


def downgrade() -> None:
    op.drop_table("token")
    op.execute("DROP EXTENSION pgcrypto")
