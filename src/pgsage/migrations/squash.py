"""``migrations squash``: one baseline revision with the head schema, verified on a scratch DB.

The head schema comes from ``pg_dump --schema-only`` of a scratch database upgraded to head (so
it is exactly what the migrations build, including indexes kept out of the models), cleaned of
session settings and psql meta-commands, and split into statements. The downgrade drops what the
catalog dump lists. Before the file is written it is verified: upgraded on a fresh scratch
database its schema must equal the head schema, and down → up must give the same again.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from types import ModuleType

import pglast
from psycopg import conninfo, sql

from pgsage.db.connect import SessionOptions, connect
from pgsage.errors import ServerError
from pgsage.fixes.quoting import ident
from pgsage.migrations.catalog import SchemaDump, diff, dump_schema
from pgsage.migrations.findings import migration_finding
from pgsage.migrations.graph import Revision, RevisionGraph
from pgsage.migrations.roundtrip import round_trip, upgrade_all
from pgsage.migrations.scratch import ScratchServer
from pgsage.model import Finding, Severity

DROP_ORDER = ("view", "table", "sequence", "function", "enum", "domain", "schema", "extension")
# pg_dump lines that set up pg_dump's own session or belong to extensions, not to the schema.
SKIPPED_LINE = re.compile(r"^(\\|SET |SELECT pg_catalog\.set_config\(|COMMENT ON EXTENSION )")

# Column options some server builds set on every column (pg_attver=<counter>): not the schema's,
# and different on every run.
SERVER_COLUMN_OPTION = re.compile(r"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_\w+=[^,)]*\)$")


def pg_dump_binary() -> Path:
    from pgsage.db.embedded import find_binaries

    binary = find_binaries().bindir / "pg_dump"
    if not binary.exists():
        raise ServerError(f"pg_dump not found beside the server binaries ({binary})")
    return binary


def _pg_dump(dsn: str, *options: str) -> list[str]:
    """pg_dump's statements, without its session settings and psql meta-commands."""
    params = conninfo.conninfo_to_dict(dsn)
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:  # not on the command line, where other users could read it
        env["PGPASSWORD"] = str(password)
    command = [
        str(pg_dump_binary()),
        *options,
        "--no-owner",
        "--no-privileges",
        "--no-comments",
        "--exclude-table=alembic_version",
        "--dbname",
        conninfo.make_conninfo(**{k: str(v) for k, v in params.items()}),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, timeout=300
    )
    if result.returncode != 0:
        raise ServerError(f"pg_dump failed: {result.stderr.strip().splitlines()[0]}")
    kept = [
        line
        for line in result.stdout.splitlines()
        if not SKIPPED_LINE.match(line) and not line.startswith("--")
    ]
    statements = [s.strip() for s in pglast.split("\n".join(kept))]
    return [s for s in statements if not SERVER_COLUMN_OPTION.match(s)]


def schema_sql(dsn: str) -> list[str]:
    """The schema of ``dsn`` as statements."""
    return _pg_dump(dsn, "--schema-only")


TABLES = """
SELECT n.nspname, c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%' AND c.relname <> 'alembic_version'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""


def tables_with_rows(dsn: str) -> list[tuple[str, str]]:
    """Tables the migrations filled (reference data): a schema-only baseline would lose it."""
    filled = []
    with connect(dsn, SessionOptions(application_name="pgsage-migrations")) as conn:
        for schema, name in conn.execute(TABLES).fetchall():
            query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {}.{})").format(
                sql.Identifier(str(schema)), sql.Identifier(str(name))
            )
            row = conn.execute(query).fetchone()
            if row and row[0]:
                filled.append((str(schema), str(name)))
    return filled


def data_sql(dsn: str, tables: list[tuple[str, str]]) -> list[str]:
    """INSERTs (and sequence positions) for the rows the migrations put in ``tables``."""
    if not tables:
        return []
    patterns = [f"--table={_pattern(schema)}.{_pattern(name)}" for schema, name in tables]
    return _pg_dump(dsn, "--data-only", "--column-inserts", *patterns)


def _pattern(name: str) -> str:
    # pg_dump patterns: inside double quotes every character is literal, "" is a quote.
    return ident(name)


def drop_statements(head: SchemaDump) -> list[str]:
    """DROP ... CASCADE for every object of the head schema, dependents first."""
    found: dict[str, list[str]] = {kind: [] for kind in DROP_ORDER}
    for obj in head.objects.values():
        name = obj.key.split(" ", 1)[1]
        attrs = obj.attrs
        if obj.kind == "table":
            kind = attrs.get("kind", "table")
            if attrs.get("partition of"):
                continue  # dropped with its parent
            keyword = {
                "view": "VIEW",
                "materialized view": "MATERIALIZED VIEW",
                "foreign table": "FOREIGN TABLE",
            }.get(kind, "TABLE")
            bucket = "view" if "view" in kind else "table"
            found[bucket].append(f"DROP {keyword} IF EXISTS {name} CASCADE")
        elif obj.kind == "sequence" and not attrs.get("owned by"):
            found["sequence"].append(f"DROP SEQUENCE IF EXISTS {name} CASCADE")
        elif obj.kind == "function":
            found["function"].append(f"DROP ROUTINE IF EXISTS {name} CASCADE")
        elif obj.kind in {"enum", "domain"}:
            found[obj.kind].append(
                f"DROP {'TYPE' if obj.kind == 'enum' else 'DOMAIN'} IF EXISTS {name} CASCADE"
            )
        elif obj.kind == "schema":
            found["schema"].append(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        elif obj.kind == "extension":
            found["extension"].append(f"DROP EXTENSION IF EXISTS {name} CASCADE")
    return [statement for kind in DROP_ORDER for statement in sorted(found[kind])]


def stamping_instructions(revision_id: str, heads: list[str], filename: str) -> str:
    old = " ".join(heads)
    return f"""How to switch to this baseline:
  1. Make sure every database is at the old head ({old}): `alembic current`.
  2. Move the old revision files out of the version locations (e.g. to versions_archive/,
     kept in git history) and put {filename} in versions/.
  3. Existing databases: `alembic stamp --purge {revision_id}` (replaces the old head in
     alembic_version without running anything).
  4. New databases: `alembic upgrade head` builds the whole schema from this revision.
  5. Check: `pgsage migrations check` (graph, round-trip, drift)."""


def render_revision(
    revision_id: str,
    heads: list[str],
    squashed: int,
    upgrade: list[str],
    downgrade: list[str],
    instructions: str,
) -> str:
    def literal(statement: str) -> str:
        # Multi-line statements stay readable as triple-quoted strings where that is exact.
        if (
            "\n" in statement
            and '"""' not in statement
            and "\\" not in statement
            and not statement.endswith('"')
        ):
            return f'"""{statement}"""'
        return repr(statement)

    def block(statements: list[str]) -> str:
        return "\n".join(f"    {literal(statement)}," for statement in statements)

    indented = "\n".join(f"    {line}" if line else "" for line in instructions.splitlines())
    return f'''"""baseline: the schema of head {", ".join(heads)} ({squashed} revisions squashed)

Revision ID: {revision_id}
Revises:
Written by `pgsage migrations squash`; verified by upgrade, downgrade and upgrade on a scratch
database, comparing catalog dumps with the old head's.

{indented}
"""

import sqlalchemy as sa
from alembic import op

revision = {revision_id!r}
down_revision = None
branch_labels = None
depends_on = None

SQUASHED_HEADS = {tuple(heads)!r}

UPGRADE = (
{block(upgrade)}
)

DOWNGRADE = (
{block(downgrade)}
)


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        # text() would read ":name" as a bind parameter; the statements have none.
        op.execute(sa.text(statement.replace(":", "\\\\:")))


def upgrade() -> None:
    _run(UPGRADE)


def downgrade() -> None:
    _run(DOWNGRADE)
'''


def baseline_revision(source: str, revision_id: str, path: Path) -> Revision:
    """The rendered baseline as a Revision, without writing it: what ``verify`` runs."""
    module = ModuleType(f"pgsage_baseline_{revision_id}")
    module.__file__ = str(path)
    exec(compile(source, str(path), "exec"), module.__dict__)  # our own output, just rendered
    return Revision(
        id=revision_id, down=(), depends_on=(), branch_labels=(), path=path, module=module
    )


def verify(server: ScratchServer, baseline: Revision, head: SchemaDump) -> list[Finding]:
    """The baseline on a fresh scratch database: its schema is the head's; down → up is too."""
    graph = RevisionGraph(revisions={baseline.id: baseline}, root=Path.cwd())
    with server.database("verify") as dsn:
        upgraded = upgrade_all(graph, dsn)
        if not upgraded.complete:
            return [
                migration_finding(
                    "baseline-fails",
                    Severity.ERROR,
                    f.message,
                    revision=baseline.id,
                    file=str(baseline.path),
                )
                for f in upgraded.findings
            ]
        differences = diff(head, dump_schema(dsn))
        if differences:
            return [
                migration_finding(
                    "baseline-differs",
                    Severity.ERROR,
                    f"the baseline's schema differs from the head's ({len(differences)} "
                    "difference(s))",
                    revision=baseline.id,
                    file=str(baseline.path),
                    details=tuple(
                        d.describe("at the old head", "from the baseline") for d in differences[:25]
                    ),
                )
            ]
        return [f for f in round_trip(graph, upgraded) if f.severity is not Severity.INFO]
