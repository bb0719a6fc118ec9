"""file:line:column: rule [severity] message, with the fix under it."""

from __future__ import annotations

from pgsage.lint.model import LintResult


def render(result: LintResult) -> str:
    lines: list[str] = []
    for v in result.violations:
        where = f"{v.file}:{v.line}:{v.column}"
        revision = (
            f" (revision {v.revision}{', downgrade' if v.downgrade else ''})" if v.revision else ""
        )
        lines.append(f"{where}: {v.rule} [{v.severity.value}] {v.message}{revision}")
        if v.fix:
            fix_lines = v.fix.splitlines()
            lines.append(f"    fix: {fix_lines[0]}")
            lines.extend(f"         {line}" for line in fix_lines[1:])
    for error in result.errors:
        lines.append(f"{error.file}: error: {error.message}")
    for note in result.notes:
        lines.append(f"note: {note}")
    count = len(result.violations)
    lines.append(
        f"{count} violation{'s' if count != 1 else ''} in {result.files} "
        f"file{'s' if result.files != 1 else ''} ({result.statements} statements)"
    )
    return "\n".join(lines) + "\n"
