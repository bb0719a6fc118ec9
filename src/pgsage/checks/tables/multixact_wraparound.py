"""multixact-wraparound: multixact ID age of the database and its tables near the limits."""

from __future__ import annotations

from pgsage.checks.base import CheckDocs
from pgsage.checks.tables.wraparound import WraparoundCheck, wraparound_params
from pgsage.model import Severity


class MultixactWraparound(WraparoundCheck):
    id = "multixact-wraparound"
    category = "tables"
    severity = Severity.WARNING
    title = "Multixact ID wraparound approaching"
    age_field = "minmxid_age"
    setting_name = "autovacuum_multixact_freeze_max_age"
    noun = "multixact ID"
    params = wraparound_params(1_500_000_000)
    docs = CheckDocs(
        problem="The age of the database's or a table's oldest multixact ID "
        "(mxid_age(relminmxid), mxid_age(datminmxid)) is well past "
        "autovacuum_multixact_freeze_max_age (the table's own storage parameter when "
        "lower), or close to the 2^31 hard limit. Multixacts record rows locked by "
        "several transactions at once: SELECT ... FOR SHARE / FOR KEY SHARE, and the "
        "locks foreign key checks take on parent rows.",
        why="Like transaction IDs, multixact IDs are 32-bit: before they wrap around the "
        "server stops assigning new ones and refuses the writes that need them until "
        "VACUUM has frozen the old ones. Heavy foreign-key traffic to a few parent rows "
        "burns through multixacts quickly.",
        fix="VACUUM (FREEZE, VERBOSE) the oldest tables, and remove what blocks freezing (long "
        "or prepared transactions, stale replication slots, autovacuum switched off).",
        alembic="Not a migration: run VACUUM (FREEZE) by hand or from a scheduled job.",
    )
