"""``pgsage web --workers N`` (N > 1): each uvicorn worker process builds its app from the
configuration the parent left in a private file (a directory only the user can read, the file
0600, removed when the server stops): uvicorn starts workers by importing a factory, so the
configuration cannot be handed over as an object. Each worker keeps its own cached audit and
scheduler; the store (sessions, limits, history, the collectors' advisory locks) is shared."""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI

from pgsage.web.config import WebConfig

CONFIG_ENV = "PGSAGE_WEB_WORKER_CONFIG"


@contextlib.contextmanager
def config_file(config: WebConfig) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="pgsage-web-workers-"))  # mode 0700
    path = folder / "config.pickle"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            pickle.dump(config, out)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_worker_app() -> FastAPI:
    """The app of one worker process (uvicorn's factory)."""
    from pgsage.web.app import create_app
    from pgsage.web.store import Store

    # our own file, written by the parent process into a directory only this user can read
    config: WebConfig = pickle.loads(Path(os.environ[CONFIG_ENV]).read_bytes())
    return create_app(config, Store(config.store_dsn), scheduler=True)
