"""Security from day one, checked over every route the application has."""

import re

import pytest

from gridbrain.app import create_app
from gridbrain.config import Settings

PUBLIC = ("/healthz", "/open311/")


def _api_routes():
    # the OpenAPI document lists every route of every included router
    app = create_app(Settings(database_url="sqlite://"), workers=False)
    for path, ops in app.openapi()["paths"].items():
        if path.startswith("/api/"):
            for method in ops:
                if method in ("get", "post", "put", "patch", "delete"):
                    yield method.upper(), path


ROUTES = sorted(set(_api_routes()))


@pytest.fixture(scope="module")
def anon(tmp_path_factory):
    """One migrated SQLite database for the whole module: authentication answers before storage."""
    from fastapi.testclient import TestClient

    from gridbrain.core.db import make_engine
    from gridbrain.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sec') / 'db.sqlite'}")
    upgrade(engine)
    with TestClient(create_app(Settings(database_url="sqlite://"), engine=engine, workers=False)) as c:
        yield c


def test_the_application_has_api_routes_to_check():
    assert len(ROUTES) > 10


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_api_route_refuses_an_anonymous_caller(anon, method, path):
    url = re.sub(r"\{[^}/]+(:path)?\}", "x1", path)
    r = anon.request(method, url, json={})
    assert r.status_code == 401, f"{method} {path} answered {r.status_code} without a user"


@pytest.mark.parametrize(("method", "path"), ROUTES[:: max(1, len(ROUTES) // 15)], ids=lambda v: str(v))
def test_a_bogus_token_is_refused_everywhere(anon, method, path):
    url = re.sub(r"\{[^}/]+(:path)?\}", "x1", path)
    r = anon.request(method, url, json={}, headers={"Authorization": "Bearer gb_forged"})
    assert r.status_code == 401
