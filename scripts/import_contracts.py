"""Two contract types import-linter lacks, for pgsage's import contracts (pyproject.toml).

import-linter's own types forbid; these two allow:
- `allowed_imports`: the source modules may import only the listed modules (pgsage's own, as
  module expressions, and third-party top-level packages) and the standard library. Renderers
  use it: a new dependency of `pgsage.reports` is a broken contract without anyone listing it.
- `external_submodules`: of a third-party package, only the listed submodules may be imported
  (`psycopg.sql` but not `psycopg`, whose `connect` opens connections). import-linter folds
  third-party packages into their top-level name, so this reads the import statement itself.

Both check direct imports only. `lint-imports` puts the current directory on sys.path, so
pyproject.toml names these classes as `scripts.import_contracts.<Class>`.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain import helpers


@dataclass(frozen=True)
class IllegalImport:
    importer: str
    imported: str
    line_number: int
    line: str


def _source_modules(contract: Contract, graph: grimp.ImportGraph) -> set[str]:
    expressions = contract.source_modules  # type: ignore[attr-defined]
    return {
        module.name
        for module in helpers.module_expressions_to_modules(
            graph=graph, expressions=expressions, as_packages=True
        )
    }


def _render(illegal: list[IllegalImport]) -> None:
    for item in illegal:
        output.print_error(
            f"{item.importer}:{item.line_number} imports {item.imported}: {item.line}",
            bold=False,
        )
    output.new_line()


class AllowedImportsContract(Contract):
    """The source modules import only the allowed modules and the standard library.

    Options:
        - source_modules: module expressions (descendants included).
        - allowed_modules: pgsage module expressions the sources may import (wildcards allowed).
        - allowed_external: third-party top-level packages the sources may import. (Optional.)
    """

    type_name = "allowed_imports"

    source_modules = fields.ListField(subfield=fields.ModuleExpressionField())
    allowed_modules = fields.ListField(subfield=fields.ModuleExpressionField())
    allowed_external = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        sources = _source_modules(self, graph)
        allowed = {
            module.name
            for module in helpers.module_expressions_to_modules(
                graph=graph,
                expressions=self.allowed_modules,  # type: ignore[arg-type]
                as_packages=False,
            )
        }
        allowed |= set(self.allowed_external or [])  # type: ignore[arg-type]
        allowed |= set(sys.stdlib_module_names) | {"__future__"}
        illegal = [
            IllegalImport(source, imported, detail["line_number"], detail["line_contents"])
            for source in sorted(sources)
            for imported in sorted(graph.find_modules_directly_imported_by(source))
            if imported not in allowed and imported not in sources
            for detail in graph.get_import_details(importer=source, imported=imported)
        ]
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        _render(check.metadata["illegal"])


def _names_imported(line: str, package: str) -> set[str] | None:
    """The submodules of `package` one import line names; None when it imports the package itself."""
    try:
        statement = ast.parse(line.strip()).body[0]
    except (SyntaxError, IndexError):
        return None  # a multi-line import: judged as the whole package
    if isinstance(statement, ast.ImportFrom) and statement.module is not None:
        if statement.module == package:
            return {f"{package}.{alias.name}" for alias in statement.names}
        return {statement.module}
    if isinstance(statement, ast.Import):
        names = {alias.name for alias in statement.names if alias.name.split(".")[0] == package}
        return None if package in names else names
    return None


class ExternalSubmodulesContract(Contract):
    """Of each third-party package named in allowed_submodules, only those submodules are imported.

    Options:
        - source_modules: module expressions (descendants included).
        - allowed_submodules: dotted names such as `psycopg.sql` (and their descendants).
    """

    type_name = "external_submodules"

    source_modules = fields.ListField(subfield=fields.ModuleExpressionField())
    allowed_submodules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        allowed: list[str] = list(self.allowed_submodules)  # type: ignore[call-overload]
        packages = {name.split(".")[0] for name in allowed}
        illegal: list[IllegalImport] = []
        for source in sorted(_source_modules(self, graph)):
            for package in sorted(packages & graph.find_modules_directly_imported_by(source)):
                for detail in graph.get_import_details(importer=source, imported=package):
                    names = _names_imported(detail["line_contents"], package)
                    if names is None or not all(
                        any(name == ok or name.startswith(f"{ok}.") for ok in allowed)
                        for name in names
                    ):
                        illegal.append(
                            IllegalImport(
                                source, package, detail["line_number"], detail["line_contents"]
                            )
                        )
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        _render(check.metadata["illegal"])
