"""Fixtures for the kernel's tests."""

from __future__ import annotations

import pytest

from gridbrain.config import get_settings


def cli_url(engine) -> str:
    """The URL a command must read to reach this test's database (PostgreSQL: its private schema)."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema = conn.exec_driver_sql("SHOW search_path").scalar()
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    return url


@pytest.fixture
def cli_db(engine, monkeypatch):
    monkeypatch.setenv("GRIDBRAIN_DATABASE_URL", cli_url(engine))
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()
