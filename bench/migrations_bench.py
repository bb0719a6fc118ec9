"""pgsage migrations check beside pytest-alembic's built-in tests on one generated project.

The project: N revisions over N/3 tables (create table; add a defaulted column with a CHECK;
a partial index), models that match, an env.py that takes the connection pytest-alembic hands
it. Both tools run as a user would run them (a subprocess each), on the embedded server:
pgsage checks graph, upgrade, drift (autogenerate + catalog diff) and down/up round-trip per
revision on scratch databases; pytest-alembic runs test_single_head_revision, test_upgrade,
test_model_definitions_match_ddl and test_up_down_consistency on a database of its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import conninfo, sql

from pgsage.db.embedded import EmbeddedServer

PGSAGE = str(Path(sys.executable).parent / "pgsage")

ENV_PY = """from alembic import context
from sqlalchemy.engine import Engine

from bench_models import metadata

config = context.config


def migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    if context.is_offline_mode():
        context.configure(url="postgresql://offline/none", target_metadata=metadata,
                          literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = config.attributes.get("connection")
    if connectable is None:
        raise RuntimeError("this bench project runs with a connection only")
    if isinstance(connectable, Engine):
        with connectable.connect() as connection:
            migrate(connection)
    else:
        migrate(connectable)


run()
"""

CONFTEST = """import os

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool


@pytest.fixture
def alembic_config():
    return {"file": os.path.join(os.path.dirname(__file__), "..", "alembic.ini")}


@pytest.fixture
def alembic_engine():
    dsn = os.environ["BENCH_PEER_DSN"]
    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(dsn),
                           poolclass=NullPool)
    yield engine
    engine.dispose()
"""


def write_project(root: Path, revisions: int) -> None:
    (root / "alembic" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/alembic\nprepend_sys_path = .\npath_separator = os\n"
    )
    (root / "alembic" / "env.py").write_text(ENV_PY)
    (root / "tests").mkdir()
    (root / "tests" / "conftest.py").write_text(CONFTEST)  # where pytest-alembic binds
    (root / "alembic" / "script.py.mako").write_text("")
    models = ["import sqlalchemy as sa", "", "metadata = sa.MetaData()", ""]
    previous = None
    for i in range(revisions):
        table, step = f"t{i // 3}", i % 3
        if step == 0:
            up = (
                f'op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True), '
                f'sa.Column("name", sa.Text))'
            )
            down = f'op.drop_table("{table}")'
            models.append(
                f'{table} = sa.Table("{table}", metadata, '
                f'sa.Column("id", sa.Integer, primary_key=True), '
                f'sa.Column("name", sa.Text))'
            )
        elif step == 1:
            up = (
                f'op.add_column("{table}", sa.Column("score", sa.Integer, server_default="0", '
                f'nullable=False))\n    op.create_check_constraint("ck_{table}_score", '
                f'"{table}", "score >= 0")'
            )
            down = (
                f'op.drop_constraint("ck_{table}_score", "{table}", type_="check")\n'
                f'    op.drop_column("{table}", "score")'
            )
            models.append(
                f'{table}.append_column(sa.Column("score", sa.Integer, '
                f'server_default="0", nullable=False))'
            )
            models.append(
                f'{table}.append_constraint(sa.CheckConstraint("score >= 0", '
                f'name="ck_{table}_score"))'
            )
        else:
            up = (
                f'op.create_index("ix_{table}_name", "{table}", ["name"], '
                f'postgresql_where=sa.text("score > 0"))'
            )
            down = f'op.drop_index("ix_{table}_name", table_name="{table}")'
            models.append(
                f'sa.Index("ix_{table}_name", {table}.c.name, '
                f'postgresql_where=sa.text("score > 0"))'
            )
        rev = f"r{i:04d}"
        (root / "alembic" / "versions" / f"{rev}.py").write_text(
            f"import sqlalchemy as sa\nfrom alembic import op\n\nrevision = {rev!r}\n"
            f"down_revision = {previous!r}\n\n\ndef upgrade():\n    {up}\n\n\n"
            f"def downgrade():\n    {down}\n"
        )
        previous = rev
    (root / "bench_models.py").write_text("\n".join(models) + "\n")


def fresh_database(admin_dsn: str, name: str) -> str:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return conninfo.make_conninfo(admin_dsn, dbname=name)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=1800
    )
    return time.perf_counter() - started, result.returncode, result.stdout[-3000:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--revisions", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-python", help="python of a venv with pytest-alembic")
    parser.add_argument("--peer-missing", help="why the peer is not measured")
    args = parser.parse_args()
    server = EmbeddedServer()
    server.start()
    admin = server.dsn("postgres")
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="pgsage-bench-migrations-") as tmp:
        root = Path(tmp)
        write_project(root, args.revisions)
        ours, theirs = [], []
        for _ in range(args.runs):
            seconds, code, out = timed(
                [
                    PGSAGE,
                    "migrations",
                    "check",
                    "--config",
                    str(root / "alembic.ini"),
                    "--dsn",
                    admin,
                ],
                root,
                env,
            )
            if code != 0:
                print(f"pgsage migrations check exited {code}:\n{out}")
                return 1
            ours.append(seconds)
            if args.peer_python:
                peer_env = {**env, "BENCH_PEER_DSN": fresh_database(admin, "bench_peer")}
                seconds, code, out = timed(
                    [
                        os.path.abspath(args.peer_python),
                        "-m",
                        "pytest",
                        "--test-alembic",
                        "-q",
                        "-p",
                        "no:cacheprovider",
                        "--rootdir",
                        str(root),
                        "tests",
                    ],
                    root,
                    peer_env,
                )
                if code != 0:
                    print(f"pytest-alembic exited {code}:\n{out}")
                    return 1
                theirs.append(seconds)
    print(
        f"== migrations check: {args.revisions} revisions, {(args.revisions + 2) // 3} tables, "
        f"median of {args.runs} runs (embedded PostgreSQL)"
    )
    print(
        f"pgsage migrations check   {statistics.median(ours):7.2f} s   graph, upgrade, drift "
        "(autogenerate + catalog), down/up/down per revision with catalog diffs"
    )
    if theirs:
        print(
            f"pytest-alembic (4 tests)  {statistics.median(theirs):7.2f} s   single head, "
            "upgrade, model match (autogenerate), up/down consistency"
        )
    else:
        print(f"pytest-alembic            not measured: {args.peer_missing or 'no --peer-python'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
