"""xid-wraparound: transaction ID age of the database and its tables near the freeze limits."""

from __future__ import annotations

from pgsage.checks.base import CheckDocs
from pgsage.checks.tables.wraparound import WraparoundCheck, wraparound_params
from pgsage.model import Severity


class XidWraparound(WraparoundCheck):
    id = "xid-wraparound"
    category = "tables"
    severity = Severity.WARNING
    title = "Transaction ID wraparound approaching"
    age_field = "frozenxid_age"
    setting_name = "autovacuum_freeze_max_age"
    noun = "transaction ID"
    params = wraparound_params(1_500_000_000)
    docs = CheckDocs(
        problem="The age of the database's or a table's oldest unfrozen transaction ID "
        "(age(relfrozenxid), age(datfrozenxid)) is well past autovacuum_freeze_max_age "
        "(the table's own storage parameter when lower), where autovacuum should have "
        "frozen it — or close to the 2^31 hard limit.",
        why="Transaction IDs are 32-bit and compared modulo 2^31: before an age of about 2.1 "
        "billion the server must freeze old rows, or it stops accepting writes to prevent "
        'data loss ("database is not accepting commands to avoid wraparound data loss") '
        "until a single-user-mode VACUUM finishes — hours of downtime on a large "
        "database. Anti-wraparound autovacuums on large tables are long and I/O heavy.",
        fix="VACUUM (FREEZE, VERBOSE) the oldest tables now, during low traffic. Then remove "
        "what blocks freezing: long-running or prepared transactions "
        "(pg_prepared_xacts), replication slots that no longer advance, autovacuum "
        "switched off; give autovacuum enough workers and cost limit for the big tables.",
        alembic="Not a migration: run VACUUM (FREEZE) by hand or from a scheduled job.",
    )
