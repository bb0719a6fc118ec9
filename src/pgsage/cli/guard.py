"""The CLI's outer guard: every way a run can end becomes one line on stderr and an exit code.

- Click's parser errors (unknown option, bad value) are one line, not Typer's boxed panel (2).
- SIGTERM is handled like SIGINT: the command's cleanup (``finally``, ``except
  KeyboardInterrupt``) runs, then the process ends with 143 (SIGINT: 130).
- Errors that reach the adapter from the system, not from pgsage's own error tree, are still
  the user's input or environment, not an internal error: a file that is missing, a directory,
  not UTF-8 (2); a lost connection (2); standard output that cannot be written (2).
- Help texts keep their bracketed words (``[tool.pgsage]``): Rich markup would eat them.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage, input, connection or server
errors, 3 internal error (a bug: please report it), 130 interrupted, 143 terminated.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from typer import _click as click
from typer._click import exceptions as click_exceptions
from typer.exceptions import Abort

if TYPE_CHECKING:
    from types import FrameType

    import typer

INTERRUPTED = 130
TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where SIGINT raises KeyboardInterrupt, so the same cleanup runs."""


class _Signals:
    terminated = False


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    _Signals.terminated = True
    raise Terminated


def install_sigterm() -> None:
    # not the main thread (called in-process): leave the default
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, _on_sigterm)


def interruption() -> tuple[str, int]:
    """The line and exit code of a run ended by SIGINT or SIGTERM."""
    if _Signals.terminated:
        return "terminated (SIGTERM)", TERMINATED
    return "interrupted", INTERRUPTED


def escape_help(command: Any) -> None:
    """Escape Rich markup in every help text of the command tree (``[tool.pgsage]`` stays)."""
    from rich.markup import escape

    if command.help:
        command.help = escape(command.help)
    if command.short_help:
        command.short_help = escape(command.short_help)
    for param in command.params:
        text = getattr(param, "help", None)
        if text:
            param.help = escape(text)
    for sub in (getattr(command, "commands", None) or {}).values():
        escape_help(sub)


# Numeric options whose 0 means "off" or "nothing": refused (the timeouts are pgsage's safety
# net on the user's database, not to be switched off by a typo).
POSITIVE_OPTIONS = frozenset(
    {"--statement-timeout", "--lock-timeout", "--top", "--max-indexes", "--max-indexes-per-table"}
)
# The largest number any numeric option is used as: a PostgreSQL integer (timeouts in ms).
LARGEST = 2**31 - 1


def bound_numbers(command: Any) -> None:
    """Every numeric option of the command tree: a finite number, not negative unless its
    declared range says so, never above a PostgreSQL integer, and not 0 where 0 means off."""
    for param in command.params:
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        if annotation in (int, float):
            param.callback = _number_check(param.callback)
    for sub in (getattr(command, "commands", None) or {}).values():
        bound_numbers(sub)


def _number_check(original: Any) -> Any:
    def check(ctx: Any, param: Any, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            problem = number_problem(param, value)
            if problem is not None:
                raise click_exceptions.BadParameter(problem, ctx=ctx, param=param)
        return original(ctx, param, value) if original is not None else value

    return check


def number_problem(param: Any, value: float) -> str | None:
    if not math.isfinite(value):
        return f"{value} is not a number pgsage can use (give a finite number)"
    if abs(value) > LARGEST:
        return f"{value:g} is out of range (at most {LARGEST})"
    minimum = getattr(param, "min", None)
    if set(param.opts) & POSITIVE_OPTIONS and value <= 0:
        return f"{value:g} is refused: must be at least 1" + (
            " (0 would switch pgsage's safety timeout off)" if "timeout" in param.opts[0] else ""
        )
    if minimum is None and value < 0:
        return f"{value:g} is negative"
    return None


# What an -o file's suffix says about the format it wants.
SUFFIX_FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".md": "markdown",
    ".sarif": "sarif",
    ".txt": "text",
}
_OUTPUT_FLAGS = ("-o", "--output")
_FORMAT_FLAGS = ("-f", "--format")


def format_from_suffix(command: Any, args: list[str]) -> list[str]:
    """``-o report.html`` without ``--format``: the format the suffix names (for the commands
    whose --format is the report format); with a --format that contradicts the suffix, a note
    on stderr. The arguments, with ``--format`` added where it was missing."""
    target = _subcommand(command, args)
    if target is None or not _has_report_format(target):
        return args
    output = _option_value(args, _OUTPUT_FLAGS)
    if output is None:
        return args
    wanted = SUFFIX_FORMATS.get(os.path.splitext(output)[1].lower())
    given = _option_value(args, _FORMAT_FLAGS)
    if wanted is None:
        return args
    if given is None:
        return [*args, "--format", wanted]
    if given not in (wanted, "human" if wanted == "text" else wanted):
        print(
            f"pgsage: note: writing {given} to {output}; --format {wanted} matches its suffix",
            file=sys.stderr,
        )
    return args


def _subcommand(command: Any, args: list[str]) -> Any:
    current = command
    for token in args:
        commands = getattr(current, "commands", None)
        if not commands:
            break
        if token in commands:
            current = commands[token]
        elif not token.startswith("-"):
            return None
    return None if getattr(current, "commands", None) else current


def _has_report_format(command: Any) -> bool:
    from pgsage.cli.options import REPORT_FORMAT_METAVAR

    return any(
        getattr(p, "metavar", None) == REPORT_FORMAT_METAVAR and "--format" in p.opts
        for p in command.params
    ) and any("--output" in p.opts for p in command.params)


def _option_value(args: list[str], flags: tuple[str, ...]) -> str | None:
    found = None
    for number, token in enumerate(args):
        if token in flags and number + 1 < len(args):
            found = args[number + 1]
        for flag in flags:
            if flag.startswith("--") and token.startswith(flag + "="):
                found = token[len(flag) + 1 :]
    return found


def parser_error_line(exc: click_exceptions.ClickException) -> str:
    """One line for a Click error: the message, and where to find help."""
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click_exceptions.UsageError) and ctx is not None:
        return f"{ctx.command_path}: {message} (see {ctx.command_path} --help)"
    return message


def invoke(app: typer.Typer, args: list[str] | None = None) -> None:
    """Run the app with Click's standalone handling off: its errors are ours to word."""
    import typer.main

    install_sigterm()
    command = typer.main.get_command(app)
    escape_help(command)
    bound_numbers(command)
    args = format_from_suffix(command, list(sys.argv[1:] if args is None else args))
    try:
        result: Any = command.main(args=args, prog_name="pgsage", standalone_mode=False)
    except click_exceptions.NoArgsIsHelpError as exc:
        if exc.ctx is not None:
            click.echo(exc.ctx.get_help())
        raise SystemExit(2) from None
    except click_exceptions.ClickException as exc:
        from pgsage.cli.options import fail

        fail(parser_error_line(exc), exc.exit_code)
    except Abort:
        raise KeyboardInterrupt from None
    if result == INTERRUPTED and isinstance(result, int):
        raise KeyboardInterrupt  # Typer turned it into a return value: say it
    flush_stdout()
    if isinstance(result, int) and not isinstance(result, bool) and result:
        raise SystemExit(result)


def flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except OSError as exc:
        _silence_stdout()
        from pgsage.errors import UsageError

        raise UsageError(f"cannot write to standard output: {exc.strerror or exc}") from None


def _silence_stdout() -> None:
    """After a failed write to stdout (/dev/full, a closed pipe) the interpreter would try
    again at exit and print a traceback-like warning: point it at /dev/null instead."""
    with contextlib.suppress(OSError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 — lives until the process ends


_INPUT_ERRNOS = {
    errno.ENOENT: "not found",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "not a directory",
    errno.EACCES: "permission denied",
    errno.ENOSPC: "no space left on device",
    errno.EROFS: "read-only file system",
    errno.EPIPE: "broken pipe",
    errno.EDQUOT: "disk quota exceeded",
}


def known_failure(exc: BaseException) -> tuple[str, int] | None:
    """The one line and exit code for an error from the system or the driver, None for a bug."""
    if isinstance(exc, UnicodeError):
        where = getattr(exc, "object", b"")
        size = f" of {len(where)} bytes" if isinstance(where, bytes | str) else ""
        return f"an input file{size} is not UTF-8 text: {exc}", 2
    if isinstance(exc, OSError):
        if exc.filename is None:
            _silence_stdout()
        what = _INPUT_ERRNOS.get(exc.errno or 0, exc.strerror or str(exc))
        name = f"{exc.filename}: " if exc.filename is not None else "output: "
        return f"{name}{what}", 2
    return _driver_failure(exc)


def _driver_failure(exc: BaseException) -> tuple[str, int] | None:
    try:
        import psycopg
    except ImportError:  # pragma: no cover — psycopg is a dependency
        return None
    if isinstance(exc, psycopg.Error):
        from pgsage.db.connect import translate

        translated = translate(exc)
        lost = isinstance(exc, psycopg.OperationalError) and not isinstance(
            exc, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable
        )
        prefix = "lost the connection to the server: " if lost else ""
        return f"{prefix}{translated}", translated.exit_code
    return None
