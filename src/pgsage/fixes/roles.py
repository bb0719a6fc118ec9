"""Fixes to roles and privileges: superuser taken away, CREATE on a schema revoked from PUBLIC,
a password to re-set. All are transactional and take no table lock."""

from __future__ import annotations

from dataclasses import dataclass

from pgsage.fixes.quoting import ident
from pgsage.fixes.steps import INDENT


@dataclass(frozen=True)
class RemoveSuperuser:
    role: str

    def statement(self) -> str:
        return f"ALTER ROLE {ident(self.role)} NOSUPERUSER;"

    def to_sql(self) -> str:
        return self.statement()

    def to_alembic(self) -> str:
        return f"{INDENT}op.execute({self.statement()!r})"


@dataclass(frozen=True)
class RevokeSchemaCreate:
    """REVOKE CREATE ON SCHEMA ... FROM PUBLIC."""

    schema: str

    def statement(self) -> str:
        return f"REVOKE CREATE ON SCHEMA {ident(self.schema)} FROM PUBLIC;"

    def to_sql(self) -> str:
        return self.statement()

    def to_alembic(self) -> str:
        return f"{INDENT}op.execute({self.statement()!r})"


PASSWORD_PLACEHOLDER = "<new password>"


@dataclass(frozen=True)
class ResetPassword:
    """Re-set a role's password so that it is stored as a SCRAM hash. A template: the new
    password is a placeholder, and the Alembic form stays a comment, because a password does
    not belong in a migration kept in version control."""

    role: str

    def statement(self) -> str:
        return f"ALTER ROLE {ident(self.role)} PASSWORD '{PASSWORD_PLACEHOLDER}';"

    def to_sql(self) -> str:
        return f"-- with password_encryption = 'scram-sha-256':\n{self.statement()}"

    def to_alembic(self) -> str:
        return (
            f"{INDENT}# Re-set the password outside migrations (a secret does not belong in "
            "version control),\n"
            f"{INDENT}# with password_encryption = 'scram-sha-256': {self.statement()}\n"
            f"{INDENT}pass"
        )
