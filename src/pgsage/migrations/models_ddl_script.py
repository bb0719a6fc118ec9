"""Run by the project's own interpreter (never imported by pgsage): import the models and print
the DDL ``metadata.create_all()`` would send to PostgreSQL, as JSON on stdout.

It needs only SQLAlchemy (1.4 or later) in the project's environment, imports nothing of pgsage,
connects nowhere (a mock engine collects the statements), and runs nothing of the project's but
the import of the models module. Exit codes: 0 = JSON on stdout; 3 = no usable SQLAlchemy;
4 = the models cannot be imported or are not a MetaData; the reason is stderr's last line.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
from typing import Any

NO_SQLALCHEMY = 3
BAD_MODELS = 4


def main(argv: list[str]) -> int:
    spec, paths = argv[1], json.loads(argv[2])
    sys.path[:0] = [p for p in paths if p not in sys.path]
    try:
        import sqlalchemy as sa
    except ImportError:
        print("SQLAlchemy is not installed", file=sys.stderr)
        return NO_SQLALCHEMY
    if not hasattr(sa, "create_mock_engine"):
        print(f"SQLAlchemy {sa.__version__} is older than 1.4", file=sys.stderr)
        return NO_SQLALCHEMY
    out = sys.stdout
    # A models module that prints must not corrupt the JSON.
    with contextlib.redirect_stdout(sys.stderr):
        metadata = _metadata(spec, sa)
        if metadata is None:
            return BAD_MODELS
        from sqlalchemy.dialects import postgresql

        # "named": no %-doubling in the DDL text (pgsage runs it without parameters).
        make_dialect: Any = postgresql.dialect
        dialect = make_dialect(paramstyle="named")
        statements: list[str] = []

        def collect(ddl: Any, *_multiparams: Any, **_params: Any) -> None:
            statements.append(str(ddl.compile(dialect=dialect)).strip())

        engine = sa.create_mock_engine("postgresql://", collect)
        metadata.create_all(engine, checkfirst=False)
    json.dump({"sqlalchemy": sa.__version__, "statements": statements}, out)
    return 0


def _metadata(spec: str, sa: Any) -> Any:
    module_name, _sep, attribute = spec.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except BaseException as exc:  # the project's code: anything, even SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        print(
            f"cannot import {module_name}: {type(exc).__name__}: {exc}".splitlines()[0],
            file=sys.stderr,
        )
        return None
    for part in attribute.split("."):
        if not hasattr(target, part):
            print(f"{module_name} has no attribute {attribute}", file=sys.stderr)
            return None
        target = getattr(target, part)
    if isinstance(target, sa.MetaData):
        return target
    metadata = getattr(target, "metadata", None)
    if isinstance(metadata, sa.MetaData):
        return metadata
    print(f"{spec} is neither a MetaData nor a declarative base", file=sys.stderr)
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv))
