"""Backup checks: WAL archiving that fails or is off, and logical backups (pgsage backup's
manifests) that are stale or were never proven by a restore."""
