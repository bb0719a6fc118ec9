"""The error tree. Every error a user can cause maps to one line and an exit code in the CLI."""

from __future__ import annotations


class PgsageError(Exception):
    """Base of every error pgsage reports to a user; ``str(err)`` is the one line shown."""

    exit_code = 2


class UsageError(PgsageError):
    """Bad arguments or configuration."""


class ConnectionFailed(PgsageError):
    """The server could not be reached, refused us, or rejected the credentials."""


class UnsupportedServer(PgsageError):
    """The server is older than the oldest version pgsage supports."""


class MissingPrivilege(PgsageError):
    """The role lacks a privilege an operation needs."""


class MissingExtension(PgsageError):
    """An extension an operation needs is not installed or not available."""


class QueryTimeout(PgsageError):
    """A statement ran past statement_timeout or lock_timeout."""


class SnapshotError(PgsageError):
    """A snapshot file could not be read or is of an incompatible format."""


class ServerError(PgsageError):
    """The local (embedded) server could not be initialised, started or stopped."""
