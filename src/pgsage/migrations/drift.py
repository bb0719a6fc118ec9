"""Drift: the schema the migrations build against the schema the SQLAlchemy models describe.

Two comparisons, because each misses things the other sees:

* Alembic's autogenerate (``compare_metadata`` with type and server-default comparison) on the
  migrated scratch database — what ``alembic revision --autogenerate`` would put in a revision;
* a catalog diff between the migrated database and a second scratch database built with
  ``metadata.create_all()`` — CHECK expressions, enum labels, partial-index predicates, server
  defaults and the rest of :mod:`catalog`, which autogenerate does not compare.

A catalog difference on an object autogenerate already reported is not reported twice.
Default filters: objects of extensions, ``alembic_version``, and the project's
``include_object`` (so the runbook's ``PERF_INDEXES``, kept out of the models on purpose, are not
drift). A difference in names only (same definition, other name) is reported at info severity.

Models the project's own interpreter imported arrive as DDL (:class:`ModelsDDL`): that is what
builds the models' scratch database, and the MetaData autogenerate compares is reflected from it
(server defaults then compare as the text PostgreSQL prints for both sides).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from psycopg import sql

from pgsage.db.connect import SessionOptions, connect
from pgsage.fixes.quoting import ident_as_server
from pgsage.migrations.catalog import Difference, SchemaDump, SchemaObject, diff, dump_schema
from pgsage.migrations.findings import migration_finding
from pgsage.migrations.interpreter import ModelsDDL
from pgsage.migrations.project import EnvOptions, IncludeObject
from pgsage.migrations.runner import engine_for, short_error
from pgsage.migrations.scratch import ScratchServer
from pgsage.model import Finding, Severity

CONSTRAINT_TYPES = {
    "primary key": "primary_key_constraint",
    "unique": "unique_constraint",
    "foreign key": "foreign_key_constraint",
    "check": "check_constraint",
    "exclusion": "exclusion_constraint",
}


@dataclass(frozen=True)
class AutogenDiff:
    message: str
    covers: frozenset[str]  # catalog keys this difference already explains
    pair_key: tuple[str, ...] | None = None  # (kind, table, columns...) for name-only pairing
    side: str | None = None  # "add" (only in models) / "remove" (only in the database)


def drift_findings(
    server: ScratchServer,
    migrated_dsn: str,
    migrated: SchemaDump,
    models: sa.MetaData | ModelsDDL,
    env: EnvOptions,
) -> list[Finding]:
    include = _safe_include(
        env.include_object, _extension_relations(migrated_dsn), env.include_name
    )
    found: list[Finding] = []
    with server.database("models") as models_dsn:
        problem = _build_models(models_dsn, migrated, models)
        modelled = dump_schema(models_dsn) if problem is None else None
        if isinstance(models, sa.MetaData):
            metadata: sa.MetaData | None = models
        else:
            reflected = _reflected(models_dsn, modelled) if modelled is not None else None
            if isinstance(reflected, str):
                problem, modelled, reflected = f"reflecting it failed: {reflected}", None, None
            metadata = reflected
    if metadata is not None:
        autogen = _autogenerate(
            migrated_dsn, metadata, env, include, reflected=not isinstance(models, sa.MetaData)
        )
        if isinstance(autogen, str):
            found.append(
                migration_finding(
                    "drift-autogenerate-failed",
                    Severity.ERROR,
                    f"autogenerate comparison failed: {autogen}",
                )
            )
            autogen = []
        found.extend(_autogen_findings(autogen))
    else:
        autogen = []
    covered = frozenset().union(*(d.covers for d in autogen)) if autogen else frozenset()
    if problem is not None or modelled is None:
        what = (
            "metadata.create_all()"
            if isinstance(models, sa.MetaData)
            else f"the models' DDL (from {models.python})"
        )
        found.append(
            migration_finding(
                "drift-models-unbuildable",
                Severity.ERROR,
                f"{what} fails on a scratch database: {problem}",
            )
        )
        return found
    found.extend(_catalog_findings(migrated, modelled, covered, include))
    return _one_rename_per_constraint(found)


def _reflected(dsn: str, dump: SchemaDump) -> sa.MetaData | str:
    """The models' scratch database as a MetaData (the default schema's tables unqualified, as
    models declare them)."""
    schemas = sorted(
        {o.key.split(" ", 1)[1].strip('"') for o in dump.objects.values() if o.kind == "schema"}
        - {"public"}
    )
    metadata = sa.MetaData()
    engine = engine_for(dsn)
    try:
        metadata.reflect(engine)
        for schema in schemas:
            metadata.reflect(engine, schema=schema)
        with engine.connect() as conn:
            _drop_serial_defaults(conn, metadata)
    except Exception as exc:
        return short_error(exc)
    finally:
        engine.dispose()
    return metadata


EXTENSION_RELATIONS = """
SELECT DISTINCT c.relname
FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e'
"""


def _extension_relations(dsn: str) -> frozenset[str]:
    """Tables and indexes created by extensions (PostGIS's spatial_ref_sys...): never drift."""
    with connect(dsn, SessionOptions(application_name="pgsage-migrations")) as conn:
        return frozenset(str(r[0]) for r in conn.execute(EXTENSION_RELATIONS).fetchall())


def _safe_include(
    include_object: IncludeObject | None,
    extension_relations: frozenset[str] = frozenset(),
    include_name: Callable[[str | None, str, dict[str, Any]], bool] | None = None,
) -> IncludeObject:
    """env.py's include_object (and include_name, for names found in the database) as one
    filter that never raises: a filter written for real objects keeps what it cannot judge."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if reflected and type_ in {"table", "index"} and name in extension_relations:
            return False
        try:
            if (
                reflected
                and include_name is not None
                and not include_name(
                    name,
                    type_,
                    {
                        "schema_name": None,
                        "table_name": getattr(getattr(obj, "table", None), "name", None),
                    },
                )
            ):
                return False
            return include_object is None or bool(
                include_object(obj, name, type_, reflected, compare_to)
            )
        except Exception:
            return True

    return include


_NEXTVAL = re.compile(r"^nextval\('(.+?)'::regclass\)$")


def _drop_serial_defaults(conn: sa.Connection, metadata: sa.MetaData) -> None:
    """A SERIAL column's nextval() default is no server default in a model (Alembic drops it on
    the database side the same way): reflected models must not report it."""
    for table in metadata.tables.values():
        for column in table.columns:
            default = column.server_default
            text = getattr(getattr(default, "arg", None), "text", None)
            match = _NEXTVAL.match(str(text)) if text is not None else None
            if match is None:
                continue
            owned = conn.scalar(
                sa.text("SELECT pg_catalog.pg_get_serial_sequence(:table, :column)"),
                {"table": _qualified(table.schema, table.name), "column": column.name},
            )
            if owned is not None and _unqualified(str(owned)) == _unqualified(match.group(1)):
                column.server_default = None


def _unqualified(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip('"')


def _autogenerate(
    dsn: str,
    metadata: sa.MetaData,
    env: EnvOptions,
    include: IncludeObject,
    reflected: bool = False,
) -> list[AutogenDiff] | str:
    engine = engine_for(dsn)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                connection=conn,
                opts={
                    "target_metadata": metadata,
                    "compare_type": True,
                    "compare_server_default": True,
                    "include_object": include,
                    "include_schemas": env.include_schemas,
                    **({"include_name": env.include_name} if env.include_name else {}),
                    # Both sides as PostgreSQL prints them: compare the text (Alembic's own
                    # comparison would SELECT both, calling a nextval() twice).
                    **({"compare_server_default": _same_default_text} if reflected else {}),
                },
            )
            raw = compare_metadata(context, metadata)
    except Exception as exc:
        return short_error(exc)
    finally:
        engine.dispose()
    return [d for entry in raw for d in _describe(entry)]


def _same_default_text(
    _context: Any,
    _inspected_column: Any,
    _metadata_column: Any,
    inspected_default: str | None,
    _metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool:
    """True when the server defaults differ."""
    return (inspected_default or None) != (rendered_metadata_default or None)


def _qualified(schema: str | None, name: str) -> str:
    return f"{_ident(schema or 'public')}.{_ident(name)}"


def _ident(name: str) -> str:
    # As catalog.py's quote_ident() prints it, so that both sides' keys meet.
    return ident_as_server(name)


def _describe(entry: Any) -> Iterable[AutogenDiff]:
    if isinstance(entry, list):  # modify_* entries come grouped per column
        for item in entry:
            yield from _describe(item)
        return
    op = entry[0]
    if op in {"add_table", "remove_table"}:
        table = entry[1]
        where = "models" if op == "add_table" else "database"
        yield AutogenDiff(
            f"table {_qualified(table.schema, table.name)} is only in the {where}",
            frozenset({f"table {_qualified(table.schema, table.name)}", f"@table {table.name}"}),
        )
    elif op in {"add_column", "remove_column"}:
        schema, tname, column = entry[1], entry[2], entry[3]
        key = f"column {_qualified(schema, tname)}.{_ident(column.name)}"
        where = "models" if op == "add_column" else "database"
        yield AutogenDiff(f"{key} is only in the {where}", frozenset({key}))
    elif op in {"add_index", "remove_index"}:
        index = entry[1]
        table = index.table
        columns = tuple(sorted(c.name for c in index.columns)) if table is not None else ()
        key = f"index {_qualified(table.schema if table is not None else None, index.name)}"
        where = "models" if op == "add_index" else "database"
        yield AutogenDiff(
            f"{key} is only in the {where}",
            frozenset({key}),
            pair_key=(
                "index",
                table.name if table is not None else "",
                str(bool(index.unique)),
                *columns,
            ),
            side="add" if op == "add_index" else "remove",
        )
    elif op in {"add_constraint", "remove_constraint", "add_fk", "remove_fk"}:
        constraint = entry[1]
        table = constraint.table
        key = f"constraint {_qualified(table.schema, table.name)}.{_ident(str(constraint.name))}"
        where = "models" if op.startswith("add") else "database"
        columns = tuple(sorted(c.name for c in constraint.columns))
        yield AutogenDiff(
            f"{key} is only in the {where}",
            frozenset({key}),
            pair_key=("constraint", table.name, op.split("_", 1)[1], *columns),
            side="add" if op.startswith("add") else "remove",
        )
    elif op.startswith("modify_"):
        _op, schema, tname, cname, _existing, old, new = entry
        key = f"column {_qualified(schema, tname)}.{_ident(cname)}"
        what = op.removeprefix("modify_").replace("_", " ")
        yield AutogenDiff(
            f"{key}: {what} is {_render(old)} in the database, {_render(new)} in the models",
            frozenset({key}),
        )
    else:
        yield AutogenDiff(f"{op}: {entry[1:]!r}", frozenset())


def _render(value: Any) -> str:
    if isinstance(value, sa.schema.DefaultClause):
        value = value.arg
    if isinstance(value, sa.sql.elements.TextClause):
        value = value.text
    return repr(str(value)) if value is not None else "(none)"


def _autogen_findings(diffs: list[AutogenDiff]) -> list[Finding]:
    found = []
    paired: set[int] = set()
    for i, a in enumerate(diffs):
        if a.pair_key is None or a.side != "remove" or i in paired:
            continue
        for j, b in enumerate(diffs):
            if j not in paired and b.side == "add" and b.pair_key == a.pair_key:
                paired.update({i, j})
                found.append(
                    migration_finding(
                        "drift-name-only",
                        Severity.INFO,
                        f"same definition, other name: {a.message.split(' is only')[0]} in the "
                        f"database, {b.message.split(' is only')[0]} in the models",
                    )
                )
                break
    found.extend(
        migration_finding("drift-autogenerate", Severity.WARNING, d.message)
        for i, d in enumerate(diffs)
        if i not in paired
    )
    return found


def _build_models(dsn: str, migrated: SchemaDump, models: sa.MetaData | ModelsDDL) -> str | None:
    """The models on an empty scratch database (create_all(), or the DDL the project's
    interpreter printed), with the extensions and schemas the migrated database has (create_all
    creates neither)."""
    try:
        with connect(
            dsn,
            SessionOptions(
                read_only=False, statement_timeout_ms=120_000, application_name="pgsage-migrations"
            ),
        ) as conn:
            for obj in sorted(migrated.objects.values(), key=lambda o: o.key):
                name = obj.key.split(" ", 1)[1].strip('"')
                if obj.kind == "schema":
                    conn.execute(
                        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(name))
                    )
            for obj in sorted(migrated.objects.values(), key=lambda o: o.key):
                if obj.kind == "extension":
                    conn.execute(
                        sql.SQL("CREATE EXTENSION IF NOT EXISTS {} SCHEMA {}").format(
                            sql.Identifier(obj.key.split(" ", 1)[1].strip('"')),
                            sql.Identifier(obj.attrs["schema"]),
                        )
                    )
            if isinstance(models, ModelsDDL):
                # DDL SQLAlchemy compiled for PostgreSQL, run on a throwaway database.
                with conn.transaction():
                    for statement in models.statements:
                        conn.execute(sql.SQL(statement))
                return None
    except Exception as exc:
        return short_error(exc)
    engine = engine_for(dsn)
    try:
        models.create_all(engine)
    except Exception as exc:
        return short_error(exc)
    finally:
        engine.dispose()
    return None


_INDEX_NAME = re.compile(r"^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON )")


def _normalized(obj: SchemaObject) -> tuple[str, ...] | None:
    """An object's definition without its name, to spot name-only differences."""
    attrs = obj.attrs
    if obj.kind == "index":
        return ("index", obj.table or "", _INDEX_NAME.sub(r"\1\3", attrs.get("definition", "")))
    if obj.kind == "constraint":
        return ("constraint", obj.table or "", attrs.get("type", ""), attrs.get("definition", ""))
    return None


def _included(obj: SchemaObject, include: IncludeObject, reflected: bool) -> bool:
    name = obj.key.split(" ", 1)[1].rsplit(".", 1)[-1].strip('"')
    if obj.kind == "index":
        return include(sa.Index(name), name, "index", reflected, None)
    if obj.kind == "table":
        return include(sa.Table(name, sa.MetaData()), name, "table", reflected, None)
    if obj.kind == "column":
        return include(sa.Column(name), name, "column", reflected, None)
    if obj.kind == "constraint":
        kind = CONSTRAINT_TYPES.get(obj.attrs.get("type", ""), "constraint")
        return include(None, name, kind, reflected, None)
    return True


# What SQLAlchemy models do not describe: only in the migrated database, these are not drift.
NOT_MODELLED_KINDS = frozenset({"function", "trigger", "domain", "extension", "schema"})
NOT_MODELLED_RELATIONS = frozenset({"view", "materialized view", "foreign table"})


def _outside_models(obj: SchemaObject, dump: SchemaDump) -> bool:
    if obj.kind in NOT_MODELLED_KINDS:
        return True
    table_key = obj.key if obj.kind == "table" else None
    if obj.kind == "column":
        table_key = "table " + obj.key.split(" ", 1)[1].rsplit(".", 1)[0]
    if table_key is None:
        return False
    table = dump.objects.get(table_key)
    return table is not None and table.attrs.get("kind") in NOT_MODELLED_RELATIONS


def _catalog_findings(
    migrated: SchemaDump, modelled: SchemaDump, covered: frozenset[str], include: IncludeObject
) -> list[Finding]:
    differences = [
        d
        for d in diff(migrated, modelled)
        if d.key not in covered and f"@table {d.table}" not in covered
    ]
    kept: list[Difference] = []
    for d in differences:
        obj = migrated.objects.get(d.key) or modelled.objects[d.key]
        if d.attribute is None and d.left is not None and _outside_models(obj, migrated):
            continue
        if d.attribute is None and not _included(obj, include, reflected=d.left is not None):
            continue
        kept.append(d)
    found: list[Finding] = []
    only_db = {
        d.key: _normalized(migrated.objects[d.key])
        for d in kept
        if d.attribute is None and d.left is not None
    }
    only_models = {
        d.key: _normalized(modelled.objects[d.key])
        for d in kept
        if d.attribute is None and d.right is not None
    }
    renamed: set[str] = set()
    for db_key, shape in sorted(only_db.items()):
        if shape is None:
            continue
        match = next(
            (k for k, s in sorted(only_models.items()) if s == shape and k not in renamed), None
        )
        if match is not None:
            renamed.update({db_key, match})
            found.append(
                migration_finding(
                    "drift-name-only",
                    Severity.INFO,
                    f"same definition, other name: {db_key} in the database, "
                    f"{match.split(' ', 1)[1]} in the models",
                )
            )
    for d in kept:
        if d.key in renamed:
            continue
        found.append(
            migration_finding(
                "drift-catalog",
                Severity.WARNING,
                d.describe("in the database", "in the models").replace(
                    "only in the", "is only in the"
                ),
            )
        )
    return found


def _one_rename_per_constraint(found: list[Finding]) -> list[Finding]:
    """The index behind a renamed unique/primary key is the same rename: report it once."""
    renamed = {
        m.group(1)
        for f in found
        if f.check == "drift-name-only"
        and (
            m := re.match(
                r"same definition, other name: constraint \S+\.(\S+) in the "
                r"database",
                f.message,
            )
        )
    }
    return [
        f
        for f in found
        if not (
            f.check == "drift-name-only"
            and (
                m := re.match(
                    r"same definition, other name: index \S+?\.(\S+) in the database", f.message
                )
            )
            and m.group(1) in renamed
        )
    ]
