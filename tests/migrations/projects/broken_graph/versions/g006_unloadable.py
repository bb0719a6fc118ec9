"""a revision that cannot be imported"""

import module_that_does_not_exist  # noqa: F401

revision = "g006"
down_revision = "g002"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
