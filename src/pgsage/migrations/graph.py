"""The revision graph of an Alembic project, read file by file so that every problem is a finding.

Alembic's own RevisionMap warns or raises on the first inconsistency; here each file is loaded on
its own (a file that cannot be imported is one finding, the others still count) and the graph is
checked for: files without a revision id, duplicate ids, down_revision/depends_on pointing at
nothing, cycles, more than one head (unless each head sits on its own labelled branch), several
bases, and downgrades that are missing, a bare ``pass`` or only ``raise`` while the upgrade does
something.
"""

from __future__ import annotations

import ast
import heapq
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from alembic.script import Script, ScriptDirectory

from pgsage.migrations.findings import migration_finding
from pgsage.migrations.project import AlembicProject
from pgsage.model import Finding, Severity

# Graph problems that leave no well-defined order to run the revisions in. Several heads do not:
# every head is upgraded, in topological order.
BLOCKING = frozenset(
    {
        "unreadable-project",
        "unloadable-revision",
        "duplicate-revision",
        "dangling-down-revision",
        "dangling-depends-on",
        "revision-cycle",
    }
)


@dataclass(frozen=True)
class Revision:
    id: str
    down: tuple[str, ...]
    depends_on: tuple[str, ...]
    branch_labels: tuple[str, ...]
    path: Path
    module: ModuleType

    @property
    def short(self) -> str:
        return self.id


@dataclass
class RevisionGraph:
    revisions: dict[str, Revision] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    root: Path = Path()

    @property
    def heads(self) -> list[str]:
        referenced = {d for r in self.revisions.values() for d in r.down}
        return sorted(r for r in self.revisions if r not in referenced)

    @property
    def bases(self) -> list[str]:
        return sorted(r.id for r in self.revisions.values() if not r.down)

    def order(self) -> list[Revision]:
        """Base to head, parents before children; ties by id so the order is always the same."""
        children: dict[str, list[str]] = {r: [] for r in self.revisions}
        pending: dict[str, int] = {}
        for rev in self.revisions.values():
            # depends_on orders like down_revision does (Alembic runs dependencies first).
            known = sorted({d for d in (*rev.down, *rev.depends_on) if d in self.revisions})
            pending[rev.id] = len(known)
            for parent in known:
                children[parent].append(rev.id)
        ready = [r for r, n in pending.items() if n == 0]
        heapq.heapify(ready)
        ordered: list[Revision] = []
        while ready:
            current = heapq.heappop(ready)
            ordered.append(self.revisions[current])
            for child in children[current]:
                pending[child] -= 1
                if pending[child] == 0:
                    heapq.heappush(ready, child)
        return ordered

    def display_path(self, path: Path) -> str:
        try:
            return os.path.relpath(path, self.root)
        except ValueError:
            return str(path)

    @property
    def runnable(self) -> bool:
        """Whether the graph is sound enough to run on a server."""
        return bool(self.revisions) and not any(f.check in BLOCKING for f in self.findings)


def as_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value)
    return (str(value),)


def revision_files(project: AlembicProject) -> list[Path]:
    recursive = (project.config.get_main_option("recursive_version_locations") or "").lower() in {
        "true",
        "1",
        "yes",
    }
    files: set[Path] = set()
    for location in project.version_locations:
        if not location.is_dir():
            continue
        candidates = location.rglob("*.py") if recursive else location.glob("*.py")
        files.update(
            p.resolve()
            for p in candidates
            if p.name != "__init__.py" and not p.name.startswith(".#")
        )
    return sorted(files)


def load_graph(project: AlembicProject) -> RevisionGraph:
    graph = RevisionGraph(root=Path.cwd())
    try:
        script_dir = project.script_directory()
    except Exception as exc:
        graph.findings.append(
            migration_finding(
                "unreadable-project", Severity.ERROR, f"Alembic cannot read the project: {exc}"
            )
        )
        return graph
    files = revision_files(project)
    if not files:
        graph.findings.append(
            migration_finding(
                "no-revisions",
                Severity.WARNING,
                f"no revision files under {', '.join(map(str, project.version_locations))}",
            )
        )
    with project.importable():
        for path in files:
            revision = _load(script_dir, path, graph)
            if revision is None:
                continue
            if revision.id in graph.revisions:
                first = graph.revisions[revision.id]
                graph.findings.append(
                    migration_finding(
                        "duplicate-revision",
                        Severity.ERROR,
                        f"revision id {revision.id} is declared twice: in "
                        f"{graph.display_path(first.path)} and {graph.display_path(path)}",
                        revision=revision.id,
                        file=graph.display_path(path),
                        line=assignment_line(path, "revision"),
                    )
                )
                continue
            graph.revisions[revision.id] = revision
    graph.findings.extend(_reference_findings(graph))
    graph.findings.extend(_cycle_findings(graph))
    graph.findings.extend(_head_findings(graph))
    for revision in graph.revisions.values():
        graph.findings.extend(_downgrade_findings(graph, revision))
    return graph


def _load(script_dir: ScriptDirectory, path: Path, graph: RevisionGraph) -> Revision | None:
    shown = graph.display_path(path)
    try:
        script = Script._from_path(script_dir, path)
    except BaseException as exc:  # a revision file is user code: anything can happen on import
        if isinstance(exc, KeyboardInterrupt):
            raise
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        graph.findings.append(
            migration_finding(
                "unloadable-revision",
                Severity.ERROR,
                f"the revision file cannot be loaded: {message}",
                file=shown,
                line=getattr(exc, "lineno", None),
            )
        )
        return None
    if script is None:
        return None
    module = script.module
    return Revision(
        id=str(script.revision),
        down=as_tuple(getattr(module, "down_revision", None)),
        depends_on=as_tuple(getattr(module, "depends_on", None)),
        branch_labels=as_tuple(getattr(module, "branch_labels", None)),
        path=path,
        module=module,
    )


def _reference_findings(graph: RevisionGraph) -> list[Finding]:
    found = []
    labels = {label for r in graph.revisions.values() for label in r.branch_labels}
    for rev in sorted(graph.revisions.values(), key=lambda r: r.id):
        for attribute, targets in (("down_revision", rev.down), ("depends_on", rev.depends_on)):
            for target in targets:
                if target in graph.revisions or (attribute == "depends_on" and target in labels):
                    continue
                found.append(
                    migration_finding(
                        "dangling-down-revision"
                        if attribute == "down_revision"
                        else "dangling-depends-on",
                        Severity.ERROR,
                        f"{attribute} {target!r} of revision {rev.id} matches no revision",
                        revision=rev.id,
                        file=graph.display_path(rev.path),
                        line=assignment_line(rev.path, attribute),
                    )
                )
    return found


def _cycle_findings(graph: RevisionGraph) -> list[Finding]:
    ordered = {r.id for r in graph.order()}
    stuck = sorted(set(graph.revisions) - ordered)
    if not stuck:
        return []
    return [
        migration_finding(
            "revision-cycle",
            Severity.ERROR,
            f"revisions form a cycle: {', '.join(stuck)}",
            revision=stuck[0],
            file=graph.display_path(graph.revisions[stuck[0]].path),
        )
    ]


def _branch_labels_below(graph: RevisionGraph, head: str) -> set[str]:
    labels: set[str] = set()
    todo, seen = [head], set()
    while todo:
        current = todo.pop()
        if current in seen or current not in graph.revisions:
            continue
        seen.add(current)
        rev = graph.revisions[current]
        labels.update(rev.branch_labels)
        todo.extend(rev.down)
    return labels


def _head_findings(graph: RevisionGraph) -> list[Finding]:
    heads = graph.heads
    found = []
    if len(heads) > 1:
        labels = [_branch_labels_below(graph, h) for h in heads]
        # Declared branches: every head has a label of its own that no other head shares.
        declared = all(own - set().union(*(o for o in labels if o is not own)) for own in labels)
        if not declared:
            found.append(
                migration_finding(
                    "multiple-heads",
                    Severity.ERROR,
                    f"{len(heads)} heads: {', '.join(heads)} — merge them "
                    f"(alembic merge -m 'merge heads' {' '.join(heads)}) or label the branches",
                    revision=heads[0],
                    file=graph.display_path(graph.revisions[heads[0]].path),
                    details=tuple(
                        f"head {h}: {graph.display_path(graph.revisions[h].path)}" for h in heads
                    ),
                )
            )
    bases = graph.bases
    if len(bases) > 1 and not all(graph.revisions[b].branch_labels for b in bases):
        found.append(
            migration_finding(
                "multiple-bases",
                Severity.WARNING,
                f"{len(bases)} revisions have no down_revision: {', '.join(bases)}",
                revision=bases[0],
                file=graph.display_path(graph.revisions[bases[0]].path),
            )
        )
    return found


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _is_noop(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    # a docstring or a bare `...`
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _body_kind(function: ast.FunctionDef) -> str:
    """'empty' (pass/docstring only), 'raises' (only a raise), or 'acts'."""
    real = [s for s in function.body if not _is_noop(s)]
    if not real:
        return "empty"
    if len(real) == 1 and isinstance(real[0], ast.Raise):
        return "raises"
    return "acts"


def _downgrade_findings(graph: RevisionGraph, rev: Revision) -> list[Finding]:
    try:
        tree = ast.parse(rev.path.read_text(encoding="utf-8"), filename=str(rev.path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return []  # it was imported just now, so this does not happen in practice
    upgrade = _function(tree, "upgrade")
    downgrade = _function(tree, "downgrade")
    if upgrade is None or _body_kind(upgrade) != "acts":
        return []
    shown = graph.display_path(rev.path)
    if downgrade is None:
        return [
            migration_finding(
                "missing-downgrade",
                Severity.WARNING,
                f"revision {rev.id} has an upgrade but no downgrade()",
                revision=rev.id,
                file=shown,
                line=upgrade.lineno,
            )
        ]
    kind = _body_kind(downgrade)
    if kind == "empty":
        return [
            migration_finding(
                "empty-downgrade",
                Severity.WARNING,
                f"the downgrade of revision {rev.id} is a bare pass: "
                "`alembic downgrade` would silently leave its changes",
                revision=rev.id,
                file=shown,
                line=downgrade.lineno,
            )
        ]
    if kind == "raises":
        return [
            migration_finding(
                "irreversible-downgrade",
                Severity.INFO,
                f"the downgrade of revision {rev.id} only raises: the "
                "revision is declared irreversible",
                revision=rev.id,
                file=shown,
                line=downgrade.lineno,
            )
        ]
    return []


def assignment_line(path: Path, name: str) -> int | None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return node.lineno
    return None


def function_line(path: Path, name: str) -> int | None:
    """The line of a top-level ``def name`` in a revision file, for findings about it."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    function = _function(tree, name)
    return function.lineno if function else None
