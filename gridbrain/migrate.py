"""Alembic, driven from code: `gridbrain db upgrade` and the test fixtures use this."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from gridbrain.core.db import metadata
from gridbrain.plugins import CAPABILITIES, optional

# inside the package, so an installed wheel finds them (package data: *.py and script.py.mako)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def load_all_tables() -> sa.MetaData:
    """Import every capability's tables.py so the shared metadata is complete."""
    for cap in CAPABILITIES:
        optional(f"gridbrain.{cap}.tables")
    return metadata


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to the newest schema of every capability's migration branch."""
    command.upgrade(alembic_config(engine), revision)


@cache
def _script() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def schema_problem(engine: Engine) -> str | None:
    """None when the database is at the newest revision of every branch; else the problem, in one line."""
    script = _script()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    if not current:
        return "the database has no gridbrain schema: run `gridbrain db upgrade`"
    # what `upgrade heads` would apply (a branch's base that others depend on is not kept as a head)
    steps = script._upgrade_revs("heads", current)  # type: ignore[arg-type]  # it takes several heads too
    missing = sorted(step.revision.revision for step in steps)
    if missing:
        return f"the database schema is behind the code (missing {', '.join(missing)}): run `gridbrain db upgrade`"
    return None
