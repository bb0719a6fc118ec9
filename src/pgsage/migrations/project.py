"""Finding an Alembic project (alembic.ini or a script directory) and its SQLAlchemy models.

The project's env.py is only ever run in Alembic's offline mode (``as_sql``), to learn the
options it passes to ``context.configure`` — ``target_metadata``, ``include_object`` and the
like. It never connects anywhere from pgsage: revisions are run by :mod:`runner` on throwaway
databases pgsage creates itself, so an env.py that reads a production URL cannot be pointed at
production by accident.
"""

from __future__ import annotations

import importlib
import io
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData

from pgsage.errors import UsageError

# env.py files often build the URL from settings; offline mode only needs something parseable.
OFFLINE_URL = "postgresql://pgsage-offline/unused"

IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


@dataclass
class AlembicProject:
    config: Config
    script_location: Path
    version_locations: list[Path]
    sys_paths: list[Path] = field(default_factory=list)
    base: Path = field(default_factory=Path.cwd)  # the ini's folder (or the script dir's parent)

    def script_directory(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(self.config)

    def importable(self) -> AbstractContextManager[None]:
        """The project's own modules importable, as Alembic's ``prepend_sys_path`` makes them."""
        return prepended_sys_path(self.sys_paths)


@contextmanager
def prepended_sys_path(paths: Iterable[Path]) -> Iterator[None]:
    """``paths`` first on sys.path while the block runs (those not there already)."""
    added = [str(p) for p in paths if str(p) not in sys.path]
    sys.path[:0] = added
    try:
        yield
    finally:
        for entry in added:
            if entry in sys.path:
                sys.path.remove(entry)


def find_project(config_file: Path | None, script_dir: Path | None) -> AlembicProject:
    """``--dir`` wins over ``--config``; neither given means ``./alembic.ini``."""
    if script_dir is not None:
        project = _project_of_dir(script_dir)
        # Without an ini there is no prepend_sys_path: the working directory (where one runs
        # `alembic` from, and where --models modules usually are) is importable as well.
        cwd = Path.cwd().resolve()
        if cwd not in project.sys_paths:
            project.sys_paths.append(cwd)
        return project
    return _project_from_ini(config_file)


def _project_of_dir(script_dir: Path) -> AlembicProject:
    if not script_dir.is_dir():
        raise UsageError(f"Alembic script directory not found: {script_dir}")
    location = script_dir.resolve()
    config = Config()
    config.set_main_option("script_location", str(location))
    if (
        not (location / "versions").is_dir()
        and not (location / "env.py").is_file()
        and any(p.name != "__init__.py" for p in location.glob("*.py"))
    ):
        # `--dir alembic/versions`: the revisions themselves, not the script directory.
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", str(location))
        return _project(config, location, base=location.parent.parent)
    return _project(config, location, base=location.parent)


def _project_from_ini(config_file: Path | None) -> AlembicProject:
    ini = config_file or Path("alembic.ini")
    if not ini.is_file():
        raise UsageError(
            f"Alembic config not found: {ini} (use --config FILE or --dir SCRIPT_LOCATION)"
        )
    ini = ini.resolve()
    config = Config(str(ini))
    try:
        raw = config.get_main_option("script_location")
    except Exception as exc:  # configparser errors: a malformed ini file
        raise UsageError(f"cannot read {ini}: {exc}") from None
    if not raw:
        raise UsageError(f"{ini} has no script_location in its [alembic] section")
    location = Path(raw)
    if not location.is_absolute():
        # Alembic resolves it against the working directory; people run it from the ini's.
        location = (ini.parent / location) if not location.exists() else location
    if not location.is_dir():
        raise UsageError(f"script_location {raw!r} of {ini} is not a directory")
    location = location.resolve()
    config.set_main_option("script_location", str(location))
    return _project(config, location, base=ini.parent)


def _project(config: Config, location: Path, base: Path) -> AlembicProject:
    # Alembic's own parsing of the lists (path_separator, %(here)s...), relative paths against
    # the ini's folder.
    try:
        prepend = config.get_prepend_sys_paths_list() or []
        versions_option = config.get_version_locations_list() or []
    except Exception as exc:
        raise UsageError(f"cannot read the Alembic config: {exc}") from None
    paths = [base, *(_resolved(part, base) for part in prepend)]
    versions = [_resolved(part, base) for part in versions_option] or [location / "versions"]
    return AlembicProject(
        config=config,
        script_location=location,
        version_locations=versions,
        sys_paths=paths,
        base=base,
    )


def _resolved(part: str, base: Path) -> Path:
    candidate = Path(part)
    return candidate if candidate.is_absolute() else (base / candidate).resolve()


@dataclass
class EnvOptions:
    """What env.py passes to ``context.configure`` (offline run), or why it could not be read."""

    target_metadata: MetaData | None = None
    include_object: IncludeObject | None = None
    include_name: Callable[[str | None, str, dict[str, Any]], bool] | None = None
    include_schemas: bool = False
    error: str | None = None


def read_env_options(project: AlembicProject) -> EnvOptions:
    config = (
        Config(project.config.config_file_name) if project.config.config_file_name else Config()
    )
    for key in ("script_location", "version_locations", "prepend_sys_path"):
        value = project.config.get_main_option(key)
        if value:
            config.set_main_option(key, value)
    if not project.config.get_main_option("sqlalchemy.url"):
        config.set_main_option("sqlalchemy.url", OFFLINE_URL)
    script = project.script_directory()
    env = EnvironmentContext(
        config, script, fn=lambda rev, ctx: [], as_sql=True, output_buffer=io.StringIO()
    )
    try:
        with project.importable(), env, redirect_stdout(io.StringIO()):
            script.run_env()
    except BaseException as exc:  # env.py is user code: anything, even SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        return EnvOptions(
            error=f"env.py could not be run offline: {type(exc).__name__}: {exc}".splitlines()[0]
        )
    finally:
        quiet_logging()
    opts = env.context_opts
    metadata = opts.get("target_metadata")
    if isinstance(metadata, list | tuple):  # several MetaData objects: merge them
        merged = MetaData()
        for md in metadata:
            for table in md.tables.values():
                table.to_metadata(merged)
        metadata = merged
    return EnvOptions(
        target_metadata=metadata if isinstance(metadata, MetaData) else None,
        include_object=opts.get("include_object"),
        include_name=opts.get("include_name"),
        include_schemas=bool(opts.get("include_schemas", False)),
    )


def quiet_logging() -> None:
    """env.py's fileConfig (or a project package that sets up logging when a revision imports
    it) turns Alembic's INFO lines on; pgsage's output stays its own (``--verbose`` keeps
    them)."""
    for name in ("alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.WARNING)


def load_models(spec: str, project: AlembicProject) -> MetaData:
    """``module:attribute`` → a MetaData (a declarative base's ``.metadata`` is accepted)."""
    return import_metadata(spec, project.importable())


def models_spec(spec: str) -> tuple[str, str]:
    """``module:attribute`` split, or a usage error."""
    module_name, sep, attribute = spec.partition(":")
    if not (sep and module_name and attribute):
        raise UsageError(f"--models expects module:attribute, not {spec!r}")
    return module_name, attribute


def import_metadata(spec: str, importable: AbstractContextManager[None]) -> MetaData:
    """``module:attribute`` imported while ``importable`` holds (the project's sys.path)."""
    module_name, attribute = models_spec(spec)
    with importable:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise UsageError(
                f"cannot import {module_name}: {type(exc).__name__}: {exc}".splitlines()[0]
            ) from None
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise UsageError(f"{module_name} has no attribute {attribute}")
        target = getattr(target, part)
    if isinstance(target, MetaData):
        return target
    metadata = getattr(target, "metadata", None)
    if isinstance(metadata, MetaData):
        return metadata
    raise UsageError(f"{spec} is neither a MetaData nor a declarative base")
