"""Alembic environment: one shared metadata; every capability has its own migration branch."""

from __future__ import annotations

from alembic import context

from gridbrain.config import get_settings
from gridbrain.core.db import UtcDateTime, make_engine
from gridbrain.migrate import load_all_tables

target_metadata = load_all_tables()
config = context.config


def _include(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # `only_tables` lets a capability autogenerate a revision for its own tables alone
    only = config.attributes.get("only_tables")
    if only is None:
        return True
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is not None and table.name in only


def _render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    # custom column types render as the plain SQLAlchemy type they are stored as
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run() -> None:
    engine = config.attributes.get("engine") or make_engine(get_settings().database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=_include,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
