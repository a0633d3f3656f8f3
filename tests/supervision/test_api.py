"""The supervision HTTP API, the event detail extensions, the case library and the CLI."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.engine import Engine

from gridbrain.core import auth, clock
from gridbrain.core.db import UnitOfWork
from gridbrain.events import service as events
from gridbrain.supervision import cases
from gridbrain.supervision.model import CHINA
from tests.conftest import database_url_of
from tests.factories import PASSWORD


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)  # type: ignore[misc]


@pytest.fixture
def handlers(engine: Engine, district) -> None:  # type: ignore[no-untyped-def]
    """Logins for community 1's office and street 1's city management."""
    c1, s1 = district.communities[0], district.streets[0]
    with UnitOfWork(engine) as uow:
        for name, area, dept in [
            ("c1_office", c1, f"{c1}:community_office"),
            ("s1_cm", s1, f"{s1[:9]}:city_management"),
        ]:
            auth.create_user(
                uow, name, role=auth.Role.DEPARTMENT_HANDLER, password=PASSWORD, area_code=area, department_code=dept
            )
            district.tokens[name] = auth.issue_token(uow, name)
        uow.commit()


def test_the_event_detail_shows_deadlines_and_cards_and_every_route_needs_a_user(client, report, district, handlers):  # type: ignore[no-untyped-def]
    event_id = report(cn(2025, 9, 26, 10, 0))
    body = client.get(f"/api/v1/events/{event_id}", headers=district.headers("street1_op")).json()
    due = {d["kind"]: d["due_at"] for d in body["deadlines"]}
    assert datetime.fromisoformat(due["disposal"]) == cn(2025, 9, 29, 17, 30)
    assert body["cards"] == []
    for path in ("/api/v1/supervision/cards", "/api/v1/supervision/assessment", "/api/v1/supervision/orders"):
        assert client.get(path).status_code == 401
    assert client.get(f"/api/v1/events/{event_id}", headers=district.headers("street2_op")).status_code == 404


def test_cards_appear_on_the_event_in_the_lists_and_in_the_counts(client, report, district, wired, handlers):  # type: ignore[no-untyped-def]
    from gridbrain.supervision import sweeper

    event_id = report(cn(2026, 11, 23, 9, 0))
    clock.set_now(cn(2026, 11, 23, 10, 30))
    sweeper.sweep(wired)
    h = district.headers("street1_op")
    body = client.get(f"/api/v1/events/{event_id}", headers=h).json()
    assert [c["colour"] for c in body["cards"]] == ["yellow", "red"]
    assert body["level"] == "street"  # escalated
    assert len(client.get("/api/v1/supervision/cards?colour=red", headers=h).json()) == 1
    mine = client.get("/api/v1/supervision/cards?mine=true", headers=district.headers("c1_office")).json()
    assert [c["colour"] for c in mine] == ["red", "yellow"]
    counts = client.get("/api/v1/supervision/cards/counts?by=community", headers=h).json()
    assert counts == [{"key": district.communities[0], "yellow": 1, "red": 1}]
    assert client.get("/api/v1/supervision/cards", headers=district.headers("street2_op")).json() == []
    bad = client.get("/api/v1/supervision/cards/counts?by=planet", headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "by"


def test_a_suspension_through_the_api_needs_an_operator_s_approval(client, report, district, handlers):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    clock.set_now(cn(2026, 11, 23, 9, 30))
    hh = district.headers("c1_office")
    r = client.post(f"/api/v1/events/{event_id}/pauses", json={"kind": "suspension", "reason": ""}, headers=hh)
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"
    r = client.post(f"/api/v1/events/{event_id}/pauses", json={"kind": "suspension", "reason": "等待鉴定"}, headers=hh)
    assert r.status_code == 201
    pid = r.json()["id"]
    assert client.post(f"/api/v1/supervision/pauses/{pid}/approve", headers=hh).status_code == 403
    ok = client.post(f"/api/v1/supervision/pauses/{pid}/approve", headers=district.headers("street1_op"))
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    body = client.get(f"/api/v1/events/{event_id}", headers=hh).json()
    assert {d["status"] for d in body["deadlines"]} == {"paused"}
    again = client.post(f"/api/v1/supervision/pauses/{pid}/approve", headers=district.headers("street1_op"))
    assert again.status_code == 409


def test_whistle_report_in_and_assessment_through_the_api(client, report, district, handlers):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    s1 = district.streets[0][:9]
    clock.set_now(cn(2026, 11, 23, 9, 10))
    r = client.post(
        f"/api/v1/events/{event_id}/whistles",
        json={"departments": [f"{s1}:city_management", f"{s1}:market_supervision"], "reason": "联合执法"},
        headers=district.headers("community1_staff"),
    )
    assert r.status_code == 201, r.text
    summons = {s["department_code"]: s["id"] for s in r.json()["summons"]}
    ok = client.post(
        f"/api/v1/supervision/summons/{summons[f'{s1}:city_management']}/report-in",
        json={"attendees": "王队长"},
        headers=district.headers("s1_cm"),
    )
    assert ok.status_code == 200
    clock.set_now(cn(2026, 11, 24, 9, 0))
    a = client.get(
        "/api/v1/supervision/assessment?since=2026-11-01T00:00&until=2026-12-01T00:00",
        headers=district.headers("district_op"),
    ).json()
    rows = {r["key"]: r for r in a["rows"]}
    assert rows[f"{s1}:market_supervision"]["no_report_in"] == 1
    assert rows[f"{s1}:city_management"]["reported_in_on_time"] == 1
    x = client.get("/api/v1/supervision/assessment.xlsx?by=street", headers=district.headers("district_op"))
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert "attachment" in x.headers["content-disposition"]


def test_a_closed_event_becomes_a_case_found_by_search_and_shown_beside_a_new_similar_event(  # type: ignore[no-untyped-def]
    client, report, district, people, wired
):
    old = report(cn(2026, 11, 2, 9, 0), n=1, text="居民楼道堆放大量纸箱杂物，堵塞消防通道")
    admin = people["admin"]
    with UnitOfWork(wired) as uow:
        for action, note in [
            ("accept", None),
            ("start", None),
            ("handle", "清理完毕"),
            ("verify", None),
            ("close", None),
        ]:
            events.act(uow, admin, old, action, note=note)
        uow.commit()
    h = district.headers("street1_op")
    body = {
        "title": "楼道堆物堵塞消防通道",
        "summary": "联合物业清理",
        "review_notes": "建立巡查",
        "tags": ["消防", "楼道"],
    }
    r = client.post(f"/api/v1/events/{old}/case", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert client.post(f"/api/v1/events/{old}/case", json=body, headers=h).status_code == 409
    found = client.get("/api/v1/supervision/cases", params={"q": "消防通道"}, headers=h).json()
    assert [c["event_id"] for c in found] == [old]
    assert client.get("/api/v1/supervision/cases", params={"q": "路灯"}, headers=h).json() == []
    new = report(cn(2026, 11, 23, 9, 0), n=5, text="楼道里堆了很多杂物")
    detail = client.get(f"/api/v1/events/{new}", headers=h).json()
    assert [c["event_id"] for c in detail["similar_cases"]] == [old]
    open_one = client.post(f"/api/v1/events/{new}/case", json=body, headers=h)
    assert open_one.status_code == 409 and open_one.json()["error"]["rule"] == "closed"


def test_tokens_ignore_punctuation_and_stop_words():
    words = cases.tokens("楼道的杂物，堵塞了消防通道！")
    assert "消防" in words and "通道" in words
    assert "的" not in words and "，" not in words


def test_supervise_once_with_now_issues_cards_from_the_command_line(report, wired, monkeypatch):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from gridbrain import cli, config

    report(cn(2026, 11, 23, 9, 0))
    monkeypatch.setenv("GRIDBRAIN_DATABASE_URL", database_url_of(wired))
    config.get_settings.cache_clear()
    try:
        out = CliRunner().invoke(cli.app, ["supervise", "--once", "--now", "2026-11-23T09:50"])
        assert out.exit_code == 0, out.output
        assert "yellow=1 red=0" in out.output
        out = CliRunner().invoke(cli.app, ["supervise", "--once", "--now", "2026-11-23T09:51"])
        assert "yellow=0 red=0" in out.output
        bad = CliRunner().invoke(cli.app, ["supervise", "--once", "--now", "yesterday"])
        assert bad.exit_code != 0 and "ISO" in bad.output
    finally:
        config.get_settings.cache_clear()


def test_the_server_runs_the_sweeper_in_process_and_stops_it_on_shutdown(report, wired):  # type: ignore[no-untyped-def]
    import threading
    import time
    from pathlib import Path

    import sqlalchemy as sa
    from fastapi.testclient import TestClient

    from gridbrain.app import create_app
    from gridbrain.config import Settings
    from gridbrain.supervision.tables import cards

    report(cn(2026, 11, 23, 9, 0))
    clock.set_now(cn(2026, 11, 23, 9, 50))  # the response clock is past its yellow mark
    app = create_app(Settings(database_url="sqlite://", var_dir=Path("var-test")), engine=wired, workers=True)
    assert app.state.stops  # the sweeper's stop function (and other workers')
    with TestClient(app):
        deadline = time.monotonic() + 20
        issued = 0
        while time.monotonic() < deadline and not issued:  # the worker's first pass runs at start-up
            with wired.connect() as conn:
                issued = conn.execute(sa.select(sa.func.count()).select_from(cards)).scalar_one()
            time.sleep(0.05)
    assert issued == 1
    workers = [t for t in threading.enumerate() if t.name == "supervision-sweeper"]
    assert workers == []  # stopped by the app's shutdown


def test_every_supervision_route_documents_its_answer_in_openapi(client):  # type: ignore[no-untyped-def]
    doc = client.get("/openapi.json").json()
    ops = [
        (path, method, op)
        for path, item in doc["paths"].items()
        if "/supervision" in path or path.endswith(("/pauses", "/supervision-orders", "/whistles", "/case"))
        for method, op in item.items()
    ]
    assert len(ops) == 23
    for path, method, op in ops:
        ok = next(v for k, v in op["responses"].items() if k.startswith("2"))
        content = ok.get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if path.endswith(".xlsx"):
            assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in content
            continue
        assert schema, f"{method.upper()} {path} answers an undocumented shape"
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        assert ref and ref.split("/")[-1].endswith(("Public", "Count", "Assessment")), (path, schema)


def test_a_whistle_answer_carries_only_its_public_fields(client, report, district, handlers):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    s1 = district.streets[0][:9]
    r = client.post(
        f"/api/v1/events/{event_id}/whistles",
        json={"departments": [f"{s1}:city_management"], "reason": "需城管到场"},
        headers=district.headers("street1_op"),
    )
    assert r.status_code == 201, r.text
    summons = r.json()["summons"][0]
    assert "next_check_at" not in summons  # the sweeper's bookkeeping stays inside
    assert summons["state"] == "summoned" and summons["flags"] == []
