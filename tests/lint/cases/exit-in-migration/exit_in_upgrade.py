# expect: 19
"""redash 65fc9ede4746_add_is_draft_status_to_queries_and_.py: exit() in an except branch"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import ProgrammingError

revision = "e1"
down_revision = None


def upgrade() -> None:
    try:
        op.execute("SET lock_timeout = '2s'")
        op.add_column("queries", sa.Column("is_draft", sa.Boolean))
    except ProgrammingError as e:
        if "already exists" in str(e):
            print("run: ./manage.py db stamp")
            exit()
