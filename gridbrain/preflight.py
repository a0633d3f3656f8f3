"""Checks before a command touches the database, so that a wrong setting is one clear line.

Nothing here creates a file or a folder it was not asked to: a SQLite file is created only by
the commands that create the schema, and a folder only when it is the default one (GRIDBRAIN_VAR_DIR).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from gridbrain.config import Settings
from gridbrain.core.db import make_engine, normalize_url
from gridbrain.explain import URL_HELP, Problem
from gridbrain.migrate import schema_problem

BACKENDS = ("sqlite", "postgresql")


def parse_url(raw: str) -> URL:
    """GRIDBRAIN_DATABASE_URL as a URL of a backend we support, or a Problem."""
    try:
        url = sa.engine.make_url(normalize_url(raw))
    except sa.exc.ArgumentError:
        raise Problem(f"GRIDBRAIN_DATABASE_URL is not a database URL ({raw!r}); {URL_HELP}") from None
    if url.get_backend_name() not in BACKENDS:
        raise Problem(f"GRIDBRAIN_DATABASE_URL names {url.get_backend_name()!r}, not sqlite or postgresql; {URL_HELP}")
    return url


def _sqlite_file(url: URL, settings: Settings, *, creates_schema: bool) -> None:
    if not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    default = path.resolve() == (settings.var_dir / "gridbrain.db").resolve()
    if not path.parent.is_dir():
        if not (creates_schema and default):
            raise Problem(
                f"the folder of the SQLite database {path} does not exist: create it or fix GRIDBRAIN_DATABASE_URL"
            )
        path.parent.mkdir(parents=True)  # the default data folder, for a command that creates the schema
    if not path.exists() and not creates_schema:
        raise Problem(f"there is no database at {path}: run `gridbrain db upgrade` (or fix GRIDBRAIN_DATABASE_URL)")


def database(settings: Settings, *, creates_schema: bool = False) -> Engine:
    """The engine of the settings, checked: a URL we support, a SQLite file where it should be and,
    unless the command creates the schema, the schema at the newest migration."""
    url = parse_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        _sqlite_file(url, settings, creates_schema=creates_schema)
    engine = make_engine(settings.database_url)
    if not creates_schema:
        problem = schema_problem(engine)
        if problem is not None:
            engine.dispose()
            raise Problem(problem)
    return engine
