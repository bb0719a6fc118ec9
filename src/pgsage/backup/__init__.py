"""Logical backups proven by a restore: pg_dump with a manifest, verification, retention, and
pgBackRest's physical backups. The command functions are in ``pgsage.commands.backup``."""
