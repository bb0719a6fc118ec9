"""The statements a project's code runs, found without running it: SQL string constants in its
Python sources (``text("...")``, ``execute("...")``, module constants) that parse as SQL."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pglast

from pgsage.errors import UsageError

# Bind parameters as drivers write them, turned into $n so that libpg_query parses the text:
# SQLAlchemy's :name (not the :: cast), psycopg's %(name)s and %s.
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_PYFORMAT = re.compile(r"%\((\w+)\)s|%s")
_SQL_START = re.compile(r"^\s*(select|insert|update|delete|with)\b", re.IGNORECASE)
_SKIPPED_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist"})


@dataclass(frozen=True)
class SourceStatement:
    text: str  # with $n placeholders
    origin: str  # file:line


def to_placeholders(text: str) -> str:
    """``:name``/``%(name)s``/``%s`` parameters as ``$n`` (one number per distinct name)."""
    numbers: dict[str, int] = {}

    def number(name: str) -> str:
        numbers.setdefault(name, len(numbers) + 1)
        return f"${numbers[name]}"

    text = _NAMED.sub(lambda m: number(m.group(1)), text)
    positional = iter(range(1_000_000))
    return _PYFORMAT.sub(
        lambda m: number(m.group(1) if m.group(1) else f"%s{next(positional)}"), text
    )


def parses(text: str) -> bool:
    try:
        return bool(pglast.parse_sql(text))
    except (pglast.parser.ParseError, ValueError, RecursionError):
        return False


def statements_in_python(path: Path, root: Path) -> Iterator[SourceStatement]:
    """String constants of a Python file that read as one or more SQL statements."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if not _SQL_START.match(node.value):
            continue
        text = to_placeholders(node.value.strip())
        if parses(text):
            origin = f"{path.relative_to(root).as_posix()}:{node.lineno}"
            yield SourceStatement(text, origin)


def statements_in_tree(root: Path) -> list[SourceStatement]:
    """Every SQL constant of every ``.py`` file under ``root`` (or ``root`` itself), in path
    order: deterministic output."""
    if not root.exists():
        raise UsageError(f"source path not found: {root}")
    base = root if root.is_dir() else root.parent
    if root.is_file():  # named on the command line: unreadable is an error, not a skip
        try:
            ast.parse(root.read_text(encoding="utf-8"), filename=str(root))
        except UnicodeDecodeError as exc:
            raise UsageError(f"{root} is not UTF-8 text (byte {exc.start})") from None
        except (SyntaxError, ValueError) as exc:
            raise UsageError(f"{root} is not Python: {exc}") from None
    files = [root] if root.is_file() else sorted(_python_files(root))
    return [found for path in files for found in statements_in_python(path, base)]


def _python_files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*.py"):
        if not _SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            yield path


def statements_in_file(path: Path) -> list[SourceStatement]:
    """A ``--queries`` file: statements separated by semicolons (the advisor's splitter)."""
    from pgsage.advise.workload import split_statements

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    return [
        SourceStatement(to_placeholders(statement), f"{path.name}#{number}")
        for number, statement in enumerate(split_statements(text), start=1)
        if parses(to_placeholders(statement))
    ]
