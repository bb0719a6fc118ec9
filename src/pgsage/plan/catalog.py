"""The models as the advisor's catalog: a MetaData's tables, columns and indexes, so that the
advisor's statement analysis reads the code's SQL exactly as it reads a live workload."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.dialects import postgresql

from pgsage.advise.catalog import ColumnInfo, RelInfo
from pgsage.advise.model import RelName
from pgsage.sql.analysis import TableRef

DEFAULT_SCHEMA = "public"
_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def column_type(column: Column[object]) -> str:
    """The column's type as PostgreSQL spells it (``character varying(255)`` is ``VARCHAR(255)``)."""
    try:
        return str(column.type.compile(dialect=_DIALECT)).lower()
    except Exception:  # a custom type without a PostgreSQL form
        return "text"


def _column_info(column: Column[object]) -> ColumnInfo:
    spelled = column_type(column)
    is_array = spelled.endswith("[]")
    return ColumnInfo(
        name=column.name,
        type=spelled,
        type_name=spelled.split("(")[0].split("[")[0].strip(),
        typlen=-1,
        typalign="i",
        is_array=is_array,
        not_null=not column.nullable,
        avg_width=None,
        n_distinct=None,
        null_frac=None,
    )


@dataclass(frozen=True)
class ModelCatalog:
    """``lookup`` as ``pgsage.advise.analysis`` needs it: unqualified names are the default
    schema's (``public``), as a fresh database's search_path has it."""

    tables: dict[tuple[str, str], Table]
    infos: dict[tuple[str, str], RelInfo]

    @staticmethod
    def of(metadata: MetaData) -> ModelCatalog:
        tables: dict[tuple[str, str], Table] = {}
        infos: dict[tuple[str, str], RelInfo] = {}
        for number, table in enumerate(metadata.sorted_tables, start=1):
            key = (table.schema or DEFAULT_SCHEMA, table.name)
            tables[key] = table
            infos[key] = RelInfo(
                oid=number,
                name=RelName(*key),
                kind="r",
                reltuples=-1.0,
                relpages=0,
                fillfactor=None,
                columns={c.name: _column_info(c) for c in table.columns},
            )
        return ModelCatalog(tables, infos)

    def lookup(self, ref: TableRef) -> RelInfo | None:
        return self.infos.get((ref.schema or DEFAULT_SCHEMA, ref.name))
