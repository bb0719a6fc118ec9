"""What changes or downloads something: a finding's fix (SQL, Alembic revision) and
cancelling or terminating a backend (admins, confirmed, recorded in the store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pgsage.model import Finding
from pgsage.web import views
from pgsage.web.auth import Principal
from pgsage.web.deps import Admin, State, Target
from pgsage.web.state import WebState, logger
from pgsage.web.store import Action

router = APIRouter()


def _finding(state: WebState, target: str, key: str) -> Finding:
    view = state.targets.view(target)
    for finding in view.report.findings if view.report else []:
        if views.finding_key(finding) == key:
            if finding.fix is None:
                raise HTTPException(404, "this finding has no fix")
            return finding
    raise HTTPException(404, "no such finding (the report may have been refreshed)")


def fix_downloads(finding: Finding, key: str) -> tuple[Response, Response]:
    """A finding's fix as SQL and as an Alembic revision (attachments)."""
    sql = Response(
        finding.fix_sql,
        media_type="application/sql",
        headers={"Content-Disposition": f'attachment; filename="{finding.check}-{key}.sql"'},
    )
    filename = f"{key}_pgsage_{finding.check.replace('-', '_')}.py"
    revision = Response(
        alembic_revision(finding.check, key, finding.subject(), finding.fix_alembic or ""),
        media_type="text/x-python",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    return sql, revision


@router.get("/t/{target}/findings/{key}/fix.sql", response_class=Response)
def fix_sql(key: str, target: Target, state: State) -> Response:
    return fix_downloads(_finding(state, target, key), key)[0]


@router.get("/t/{target}/findings/{key}/alembic.py", response_class=Response)
def fix_alembic(key: str, target: Target, state: State) -> Response:
    return fix_downloads(_finding(state, target, key), key)[1]


@dataclass(frozen=True)
class SignalRequest:
    """An admin's cancel or terminate of one backend of a target."""

    state: WebState
    who: Principal
    target: str
    pid: int
    action: str

    def run(self) -> tuple[bool, str]:
        if self.action not in ("cancel", "terminate"):
            raise HTTPException(404, "the action is cancel or terminate")
        targets, pid = self.state.targets, self.pid
        query = next((s.query for s in targets.live(self.target).sessions if s.pid == pid), None)
        ok, detail = targets.signal(self.target, pid, self.action)
        username = self.who.user.username
        self.state.store.record_action(
            Action(username, self.target, self.action, pid, query, ok, detail)
        )
        logger.warning("%s %s pid %d on %s: %s", username, self.action, pid, self.target, detail)
        self.state.live.clear()  # the next activity page reads afresh and lists this action
        return ok, detail


def signal_request(
    pid: int, action: str, target: Target, who: Admin, state: State
) -> SignalRequest:
    return SignalRequest(state, who, target, pid, action)


Signal = Annotated[SignalRequest, Depends(signal_request)]


@router.post("/t/{target}/activity/{pid}/{action}")
async def signal_form(request: Request, signal: Signal) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    if (form.get("confirm") or [""])[0] != "yes":
        raise HTTPException(400, "tick 'confirm' to signal a backend")
    await run_in_threadpool(signal.run)
    return RedirectResponse(f"/t/{quote(signal.target)}/activity", status_code=303)


@router.post("/api/v1/targets/{target}/activity/{pid}/{action}")
async def signal_api(request: Request, signal: Signal) -> Response:
    body: Any
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("confirm") is not True:
        raise HTTPException(400, 'send {"confirm": true} to signal a backend')
    ok, detail = await run_in_threadpool(signal.run)
    return JSONResponse({"ok": ok, "detail": detail}, status_code=200 if ok else 409)


def alembic_revision(check: str, key: str, subject: str, body: str) -> str:
    """An Alembic revision file around a fix's ``to_alembic()`` upgrade body."""
    subject = " ".join(subject.replace(chr(34) * 3, "").split())
    upgrade = "\n".join("    " + line if line else "" for line in body.splitlines()) or "    pass"
    return f'''"""pgsage: fix for {check} on {subject}

Revision ID: {key[:12]}
Revises: SET ME (your current head: `alembic heads`)
Create Date: {datetime.now(UTC):%Y-%m-%d %H:%M:%S}
"""

from alembic import op

revision = "{key[:12]}"
down_revision = None  # set to your current head before running `alembic upgrade`
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
    # The reverse of this fix is not generated: write it if you need one.
    raise NotImplementedError("pgsage fix {check}: no downgrade")
'''
