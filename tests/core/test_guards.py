"""What every request passes before a route: a body-size limit before reading, no body read for
a caller without credentials, security headers, one JSON error shape, 503 when the database is
down (issue 14, items 3, 4 and 6)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from gridbrain.app import create_app
from gridbrain.config import Settings
from gridbrain.core.db import make_engine


def test_a_body_announced_over_the_limit_is_refused_before_it_is_read(engine, district):
    app = create_app(Settings(database_url="sqlite://", var_dir=Path("var-test"), body_max_bytes=1000), engine=engine)
    with TestClient(app) as c:
        r = c.post("/api/v1/events", content=b"x" * 5000, headers=district.headers("street1_op"))
        assert r.status_code == 413
        assert r.json()["error"] == {
            "code": "too_large",
            "message": "body over 1000 bytes",
            "field": "body",
            "rule": "max_bytes",
        }


def test_a_streamed_body_that_grows_past_the_limit_is_refused(engine, district):
    app = create_app(Settings(database_url="sqlite://", var_dir=Path("var-test"), body_max_bytes=1000), engine=engine)

    def chunks():
        for _ in range(10):
            yield b'{"text": "' + b"a" * 300 + b'"}'

    with TestClient(app) as c:
        r = c.post("/api/v1/events", content=chunks(), headers=district.headers("street1_op"))
        assert r.status_code == 413


def test_a_body_without_any_credentials_is_refused_unread(client):
    r = client.post("/api/v1/events", content=b"{" * 100_000, headers={"content-type": "application/json"})
    assert r.status_code == 401
    assert r.json()["error"]["field"] == "authorization"


def test_every_answer_carries_the_security_headers_and_pages_a_content_policy(client, district):
    api = client.get("/api/v1/areas", headers=district.headers("admin"))
    page = client.get("/login")
    for r in (api, page, client.get("/nowhere")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "content-security-policy" not in api.headers


def test_the_servers_own_errors_use_the_json_error_shape(client, district):
    missing = client.get("/api/v1/no-such-thing", headers=district.headers("admin"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = client.put("/healthz")
    assert wrong.status_code in (401, 405) and "error" in wrong.json()


def test_a_database_that_goes_away_answers_503_and_keeps_nothing(engine, district):
    app = create_app(Settings(database_url="sqlite://", var_dir=Path("var-test")), engine=engine, workers=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        app.state.engine = make_engine("postgresql://127.0.0.1:1/nothing")  # the server's database is gone
        r = c.get("/api/v1/areas", headers=district.headers("admin"))
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "database_unavailable"
    assert r.headers["retry-after"] == "5"
