"""Fixtures for the kernel's tests."""

from __future__ import annotations

import pytest

from gridbrain.config import get_settings
from tests.conftest import database_url_of


@pytest.fixture
def cli_db(engine, monkeypatch):
    monkeypatch.setenv("GRIDBRAIN_DATABASE_URL", database_url_of(engine))
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()
