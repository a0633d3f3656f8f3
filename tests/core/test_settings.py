"""Settings given to create_app reach the code that reads the global settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gridbrain.app import SchemaNotReady, create_app
from gridbrain.areas import locator
from gridbrain.config import Settings, get_settings
from gridbrain.core.db import make_engine


def test_the_settings_given_to_create_app_are_the_ones_in_force(tmp_path):
    mine = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", var_dir=tmp_path, district_code="330106000000")
    create_app(mine, workers=False)

    assert get_settings() is mine
    assert get_settings().district_code == "330106000000"


def test_clearing_the_settings_reads_the_environment_again(tmp_path, monkeypatch):
    create_app(Settings(database_url="sqlite://", var_dir=tmp_path, token_cache_s=0), workers=False)
    monkeypatch.setenv("GRIDBRAIN_TOKEN_CACHE_S", "3.5")

    get_settings.cache_clear()

    assert get_settings().token_cache_s == 3.5
    get_settings.cache_clear()


def test_two_engines_on_one_url_keep_their_own_locators(tmp_path):
    url = f"sqlite:///{Path(tmp_path) / 'b.db'}"
    first, second = make_engine(url), make_engine(url)
    with first.begin() as conn:
        conn.execute(sa.text("CREATE TABLE areas (code TEXT, name TEXT, level INT, geometry TEXT)"))

    assert locator.locator_for(first) is not locator.locator_for(second)


def test_a_server_on_a_database_without_the_schema_refuses_to_start(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", var_dir=tmp_path), workers=False)
    with pytest.raises(SchemaNotReady, match="gridbrain db upgrade"), TestClient(app):
        pass
