"""GitHub Actions workflow commands: ::warning file=…,line=…,col=…,title=…::message."""

from __future__ import annotations

from pgsage.lint.model import LintResult
from pgsage.model import Severity

_COMMAND = {Severity.INFO: "notice", Severity.WARNING: "warning", Severity.ERROR: "error"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: LintResult) -> str:
    lines = []
    for v in result.violations:
        # Newlines are kept (%0A): a fix spans lines and may hold `-- comment` lines.
        message = v.message + (f"\n\nfix:\n{v.fix}" if v.fix else "")
        lines.append(
            f"::{_COMMAND[v.severity]} file={_property(v.file)},line={v.line},"
            f"col={v.column},title={_property('pgsage ' + v.rule)}::{_data(message)}"
        )
    lines.extend(f"::error file={_property(e.file)}::{_data(e.message)}" for e in result.errors)
    return "\n".join(lines) + ("\n" if lines else "")
