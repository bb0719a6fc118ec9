"""Running checks over a snapshot, each in isolation: one failure never hides the others."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from pgsage.checks import all_checks
from pgsage.checks.base import Check, CheckSkipped
from pgsage.checks.context import AuditContext
from pgsage.db.snapshot import Snapshot
from pgsage.errors import UsageError
from pgsage.model import CheckResult, Report, RuleInfo, ServerSummary, Status
from pgsage.sql.analysis import StatementParser

_TIMEOUT_MARKERS = ("statement timeout", "lock timeout", "canceling statement")
_PRIVILEGE_MARKERS = ("permission denied", "must be superuser", "privileges of")
# What a role needs to read each section that plain pg_monitor does not give.
_SUPERUSER_SECTIONS = {"role_passwords": "pg_authid", "hba_rules": "pg_hba_file_rules"}


def _privilege_hint(section: str, user: str) -> str:
    if section in _SUPERUSER_SECTIONS:
        return f"only a superuser can read {_SUPERUSER_SECTIONS[section]}"
    return f"GRANT pg_monitor TO {user};"


def select_checks(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[type[Check]]:
    """Checks chosen by id or category; an unknown name is a usage error."""
    checks = all_checks()
    known = {c.id for c in checks} | {c.category for c in checks} | {"ALL"}
    select, ignore = list(select), list(ignore)
    unknown = sorted({name for name in [*select, *ignore] if name not in known})
    if unknown:
        raise UsageError(f"unknown check or category: {', '.join(unknown)} (see `pgsage checks`)")

    def matches(check: type[Check], names: list[str]) -> bool:
        return "ALL" in names or check.id in names or check.category in names

    chosen = [c for c in checks if not select or matches(c, select)]
    return [c for c in chosen if not matches(c, ignore)]


def resolve_params(check: type[Check], overrides: Mapping[str, Any]) -> dict[str, Any]:
    params = check.default_params()
    unknown = sorted(set(overrides) - set(params))
    if unknown:
        raise UsageError(f"check {check.id} has no parameter(s): {', '.join(unknown)}")
    for name, value in overrides.items():
        default = params[name]
        try:
            params[name] = _coerce(default, value)
        except (TypeError, ValueError):
            raise UsageError(
                f"check {check.id}: {name} must be a {type(default).__name__}, not {value!r}"
            ) from None
    return params


def _coerce(default: Any, value: Any) -> Any:
    """A parameter value in its default's type; strings from the CLI or env are parsed."""
    if isinstance(default, bool):
        if isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(value)
            return value.lower() in ("true", "1", "yes")
        return bool(value)
    if isinstance(default, int | float) and isinstance(value, bool):
        raise TypeError(value)
    coerced = type(default)(value)
    # Thresholds are counts, sizes, ratios and ages: NaN, infinities and negatives would
    # silently disable a check (every comparison with NaN is false).
    if isinstance(coerced, int | float) and not (0 <= coerced < float("inf")):
        raise ValueError(value)
    return coerced


def _unavailable(check: type[Check], snapshot: Snapshot) -> CheckResult | None:
    if snapshot.server.version_num < check.min_server_version:
        return CheckResult(
            check.id,
            Status.SKIPPED,
            reason=f"needs PostgreSQL {check.min_server_version // 10000}+",
        )
    missing_ext = [e for e in check.requires_extensions if not snapshot.server.has_extension(e)]
    if missing_ext:
        return CheckResult(
            check.id, Status.SKIPPED, reason=f"extension not installed: {', '.join(missing_ext)}"
        )
    for section in check.requires_sections:
        error = snapshot.missing(section)
        if error is not None and any(m in error for m in _PRIVILEGE_MARKERS):
            hint = _privilege_hint(section, snapshot.server.current_user)
            return CheckResult(
                check.id, Status.SKIPPED, reason=f"cannot read {section} ({error}); {hint}"
            )
        if error is not None:
            status = Status.TIMEOUT if any(m in error for m in _TIMEOUT_MARKERS) else Status.ERROR
            return CheckResult(check.id, status, reason=f"snapshot section {section}: {error}")
    unreadable = check.unreadable(snapshot)
    if unreadable is not None:  # data read as NULL for lack of a privilege: never "ok"
        return CheckResult(check.id, Status.SKIPPED, reason=unreadable)
    return None


def run_check(
    check: type[Check], context: AuditContext, overrides: Mapping[str, Any]
) -> CheckResult:
    snapshot = context.snapshot
    unavailable = _unavailable(check, snapshot)
    if unavailable is not None:
        return unavailable
    params = resolve_params(check, overrides)
    started = time.perf_counter()
    try:
        findings = check(context).evaluate(snapshot, params)
    except CheckSkipped as skipped:
        return CheckResult(check.id, Status.SKIPPED, reason=str(skipped))
    except Exception as exc:  # isolation: a broken check becomes an error result
        return CheckResult(
            check.id,
            Status.ERROR,
            reason=f"{type(exc).__name__}: {exc}",
            duration_ms=(time.perf_counter() - started) * 1000,
        )
    elapsed = (time.perf_counter() - started) * 1000
    ordered = tuple(sorted(findings, key=lambda f: f.sort_key()))
    partly = check.partly_read(snapshot)
    if partly is not None:  # nothing found in part of the input is not "ok"
        status = Status.FINDINGS if ordered else Status.SKIPPED
        reason = partly if ordered else f"nothing found in what it could read: {partly}"
        return CheckResult(check.id, status, ordered, reason=reason, duration_ms=elapsed)
    return CheckResult(
        check.id, Status.FINDINGS if ordered else Status.OK, ordered, duration_ms=elapsed
    )


def run_checks(
    snapshot: Snapshot,
    checks: Iterable[type[Check]],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    parser: StatementParser | None = None,
) -> Report:
    """Every check over one snapshot, with one AuditContext for the run; ``parser`` holds the
    workload's texts when they were parsed ahead (the audit does it during the collection)."""
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(Check.registry))
    if unknown:
        raise UsageError(f"settings for unknown check(s): {', '.join(unknown)}")
    context = AuditContext(snapshot, parser)
    checks = list(checks)
    results = tuple(run_check(c, context, overrides.get(c.id, {})) for c in checks)
    rules = tuple(rule_info(c) for c in checks)
    return Report(server=server_summary(snapshot), results=results, rules=rules)


def rule_info(check: type[Check]) -> RuleInfo:
    """What SARIF and the report artifacts say of a check (its class's documentation: made
    once per process, as a long-running one audits again and again)."""
    found = _RULES.get(check)
    if found is None:
        found = _RULES[check] = _rule_info(check)
    return found


_RULES: dict[type[Check], RuleInfo] = {}


def _rule_info(check: type[Check]) -> RuleInfo:
    docs = check.docs
    return RuleInfo(
        id=check.id,
        category=check.category,
        severity=check.severity,
        summary=check.title,
        description=f"{docs.problem} {docs.why}",
        help=docs.fix + (f"\n\nAlembic: {docs.alembic}" if docs.alembic else ""),
    )


def server_summary(snapshot: Snapshot) -> ServerSummary:
    from pgsage.checks.indexes.signatures import stats_window

    info = snapshot.server
    window = stats_window(snapshot)
    return ServerSummary(
        statistics=window.describe(snapshot.collected_at) if window is not None else "",
        version=info.version,
        version_num=info.version_num,
        database=info.database,
        user=info.current_user,
        superuser=info.is_superuser,
        can_read_all_stats=info.can_read_all_stats,
        in_recovery=info.in_recovery,
        extensions=dict(sorted(info.installed_extensions.items())),
        collected_at=snapshot.collected_at.isoformat(),
        snapshot_ms=snapshot.duration_ms,
        locked_relations=tuple(sorted({f"{r.schema}.{r.name}" for r in snapshot.locked})),
        snapshot_errors=dict(sorted(snapshot.errors.items())),
    )
