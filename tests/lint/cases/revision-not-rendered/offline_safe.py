# expect: none
"""a data migration written as one statement renders offline"""

import sqlalchemy as sa
from alembic import op

revision = "e2"
down_revision = None


def upgrade() -> None:
    op.execute(sa.text("UPDATE orders SET note = 'x' WHERE note IS NULL"))
