"""Triage, duplicates, reads (list, detail with timeline and extensions), masking, signals,
escalation, reopen, followers, return visits, photos, outbox retries."""

from __future__ import annotations

import io
from dataclasses import fields
from datetime import timedelta

import sqlalchemy as sa

from gridbrain.core import audit, clock, signals
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.levels import Level
from gridbrain.events import outbox, service
from gridbrain.events.signals import EventAccepted, EventDispatched, EventEscalated, EventReported, EventReturned
from gridbrain.events.tables import event_outbox, event_training
from gridbrain.events.tables import events as events_table
from tests.events.helpers import act, post_event

PAYLOAD_KEYS = {
    "event_id",
    "action",
    "from_status",
    "to_status",
    "matter_code",
    "nature",
    "level",
    "department_code",
    "grid_code",
    "area_code",
    "channel",
    "at",
    "actor",
    "note",
}


def _closed_event(client, district, staff, shift=0.0, **extra):
    lat, lng = district.centre(district.grids[0])
    lat += shift  # 0.001° ≈ 111 m: far enough not to be a duplicate
    ev = post_event(
        client,
        staff.headers("hotline"),
        channel="hotline_12345",
        text="路灯不亮",
        lat=lat,
        lng=lng,
        matter_code="C010301",
        reporter={"name": "李四", "phone": "13900001111"},
        **extra,
    )
    gw = staff.headers("grid1_worker")
    for a in ("accept", "start", "handle", "verify"):
        act(client, gw, ev["id"], a)
    act(client, staff.headers("street1_op"), ev["id"], "close", note="已修复")
    return ev


def test_an_unclear_text_goes_to_triage_and_the_operators_choice_becomes_training_data(client, engine, district, staff):
    lat, lng = district.centre(district.grids[0])
    ev = post_event(
        client, staff.headers("hotline"), channel="hotline_12345", text="你好，我想反映一下情况", lat=lat, lng=lng
    )
    assert ev["status"] == "triage"
    assert ev["triage_reason"] == "low_confidence"
    assert len(ev["candidates"]) == 3
    listed = client.get("/api/v1/events?status=triage", headers=staff.headers("district_op")).json()
    assert [e["id"] for e in listed["items"]] == [ev["id"]]
    done = act(client, staff.headers("district_op"), ev["id"], "dispatch", matter_code="C010301")
    assert done["status"] == "dispatched"
    assert done["level"] == "grid"
    with engine.connect() as c:
        rows = c.execute(sa.select(event_training.c.source, event_training.c.matter_code)).all()
    assert [tuple(r) for r in rows] == [("triage", "C010301")]


def test_a_clear_text_without_a_chosen_matter_is_classified_and_dispatched(client, district, staff):
    lat, lng = district.centre(district.grids[0])
    ev = post_event(
        client, staff.headers("hotline"), channel="hotline_12345", text="路灯坏了不亮，晚上很黑", lat=lat, lng=lng
    )
    assert ev["status"] == "dispatched"
    assert ev["matter"]["code"] == "C010301"
    assert ev["candidates"][0]["matter_code"] == "C010301"


def test_an_address_the_address_library_does_not_resolve_goes_to_triage_explicitly(client, district, staff):
    ev = post_event(
        client,
        staff.headers("hotline"),
        channel="hotline_12345",
        text="路灯不亮",
        address="仓前街道文一西路1号",
        matter_code="C010301",
    )
    assert ev["status"] == "triage"
    assert ev["triage_reason"] == "address_unresolved"
    assert ev["grid_code"] is None


def test_a_point_outside_the_district_goes_to_triage(client, district, staff):
    ev = post_event(
        client, staff.headers("hotline"), channel="app", text="路灯不亮", lat=31.5, lng=121.0, matter_code="C010301"
    )
    assert ev["status"] == "triage"
    assert ev["triage_reason"] == "outside_district"


def test_a_second_report_nearby_is_linked_to_the_open_event_instead_of_dispatched(client, engine, district, staff):
    lat, lng = district.centre(district.grids[0])
    first = post_event(
        client,
        staff.headers("hotline"),
        channel="app",
        external_id="a1",
        text="路灯不亮",
        lat=lat,
        lng=lng,
        matter_code="C010301",
        reporter={"phone": "13900000001"},
    )
    second = post_event(
        client,
        staff.headers("hotline"),
        channel="hotline_12345",
        external_id="h2",
        text="这里路灯坏了",
        lat=lat + 0.0001,
        lng=lng,
        matter_code="C010301",
        reporter={"phone": "13900000002"},
    )
    assert second["duplicate_of"] == first["id"]
    assert second["status"] == "cancelled"
    detail = client.get(f"/api/v1/events/{first['id']}", headers=staff.headers("district_op")).json()
    assert detail["reports_count"] == 2
    far = post_event(
        client,
        staff.headers("hotline"),
        channel="app",
        external_id="a3",
        text="路灯不亮",
        lat=lat + 0.01,
        lng=lng,
        matter_code="C010301",
    )
    assert far["duplicate_of"] is None
    # closing the open event answers both reporters, each on their own channel
    gw = staff.headers("grid1_worker")
    for a in ("accept", "start", "handle", "verify"):
        act(client, gw, first["id"], a)
    act(client, staff.headers("street1_op"), first["id"], "close", note="已修复")
    outbox.deliver_due(engine)
    answers = sorted((m["adapter"], m["recipient"]) for m in outbox.sent_log if m["kind"] == "answer")
    assert answers == [("app_push", "13900000001"), ("hotline_12345", "13900000002")]


def test_the_list_is_scoped_filtered_and_paginated(client, district, staff):
    for i, g in enumerate([district.grids[0], district.grids[4]]):
        lat, lng = district.centre(g)
        post_event(
            client,
            staff.headers("hotline"),
            channel="app",
            external_id=f"x{i}",
            text="路灯不亮",
            lat=lat,
            lng=lng,
            matter_code="C010301",
        )
    mine = client.get("/api/v1/events", headers=staff.headers("street1_op")).json()
    assert mine["total"] == 1
    assert mine["items"][0]["grid_code"] == district.grids[0]
    everything = client.get("/api/v1/events?per_page=1&page=2", headers=staff.headers("district_op")).json()
    assert (everything["total"], len(everything["items"]), everything["page"]) == (2, 1, 2)
    assert client.get("/api/v1/events?channel=iot", headers=staff.headers("district_op")).json()["total"] == 0
    other = client.get(f"/api/v1/events?area={district.streets[1]}", headers=staff.headers("district_op")).json()
    assert other["total"] == 1
    assert client.get("/api/v1/events").status_code == 401


def test_another_streets_event_is_404_for_a_street_operator(client, district, staff):
    lat, lng = district.centre(district.grids[4])
    ev = post_event(
        client, staff.headers("hotline"), channel="app", text="路灯不亮", lat=lat, lng=lng, matter_code="C010301"
    )
    assert client.get(f"/api/v1/events/{ev['id']}", headers=staff.headers("street1_op")).status_code == 404


def test_the_detail_has_a_timeline_with_other_capabilities_entries_and_extensions(client, engine, district, staff):
    lat, lng = district.centre(district.grids[0])
    ev = post_event(
        client,
        staff.headers("hotline"),
        channel="app",
        text="路灯不亮",
        lat=lat,
        lng=lng,
        matter_code="C010301",
        reporter={"name": "王五", "phone": "13712345678"},
    )
    with UnitOfWork(engine) as uow:
        audit.record(uow, "supervision:card:yellow", actor=Actor.system("sweeper"), subject_id=ev["id"])
        uow.commit()
    service.register_detail_extension("test_extension", lambda uow, actor, event_id: {"event": event_id})
    try:
        body = client.get(f"/api/v1/events/{ev['id']}", headers=staff.headers("street1_op")).json()
    finally:
        service.remove_detail_extension("test_extension")
    kinds = [(t["kind"], t["action"]) for t in body["timeline"]]
    assert kinds[:2] == [("transition", "reported"), ("transition", "dispatched")]
    assert ("audit", "supervision:card:yellow") in kinds
    assert not any(k == "audit" and a.startswith("events:event:") for k, a in kinds)  # no doubles
    assert body["test_extension"] == {"event": ev["id"]}
    assert body["reporter"] == {"name": "王*", "phone": "137****5678"}
    assert "accept" in body["allowed_actions"]
    full = client.get(f"/api/v1/events/{ev['id']}", headers=staff.headers("grid1_worker")).json()
    assert full["reporter"]["phone"] == "13712345678"


def test_every_transition_emits_a_signal_with_the_agreed_payload(client, district, staff):
    got = []
    for kind in (EventReported, EventDispatched, EventAccepted, EventReturned):
        signals.connect(kind, got.append)
    lat, lng = district.centre(district.grids[1])
    ev = post_event(
        client,
        staff.headers("hotline"),
        channel="app",
        text="大片垃圾",
        lat=lat,
        lng=lng,
        matter_code="E010101",
        parameters={"area_m2": 80},
    )
    act(client, staff.headers("sanitation1"), ev["id"], "return", reason="不属于本部门")
    assert [type(s) for s in got] == [EventReported, EventDispatched, EventReturned]
    for s in got:
        assert {f.name for f in fields(s)} | {"action"} == PAYLOAD_KEYS
    assert got[2].from_status == "dispatched"
    assert got[2].to_status == "returned"
    assert got[2].actor == "sanitation1"
    assert got[2].note == "不属于本部门"  # the reason travels with the signal


def test_escalate_re_dispatches_to_the_level_above_and_emits_escalated(engine, district, staff):
    got = []
    signals.connect(EventEscalated, got.append)
    lat, lng = district.centre(district.grids[0])
    with UnitOfWork(engine) as uow:
        ev = service.report(
            uow,
            Actor.system("t"),
            service.Report(
                channel="patrol", text="垃圾", lat=lat, lng=lng, matter_code="E010101", parameters={"area_m2": 1}
            ),
        )
        uow.commit()
        assert ev.event["level"] == "grid"
        out = service.escalate(
            uow, Actor.system("supervision"), ev.event["id"], to_level="community", reason="红牌：超时未签收"
        )
        uow.commit()
    assert out.level == Level.COMMUNITY
    assert out.department_code == f"{district.communities[0]}:community_office"
    assert got[0].action == "escalated"
    assert got[0].level == Level.COMMUNITY


def test_a_closed_event_reopens_within_the_window_but_not_after(client, district, staff):
    clock.set_now(clock.now())
    ev = _closed_event(client, district, staff)
    again = act(client, staff.headers("street1_op"), ev["id"], "reopen", note="又坏了")
    assert again["status"] == "dispatched"
    ev2 = _closed_event(client, district, staff, shift=0.002, external_id="late")
    clock.advance(timedelta(days=8))
    r = client.post(
        f"/api/v1/events/{ev2['id']}/actions/reopen", json={"note": "又坏了"}, headers=staff.headers("street1_op")
    )
    assert r.status_code == 422
    assert r.json()["error"]["rule"] == "reopen_window"


def test_an_unrated_closed_event_gets_one_return_visit_and_rating_finishes_it(client, engine, district, staff):
    clock.set_now(clock.now())
    ev = _closed_event(client, district, staff)
    clock.advance(timedelta(days=4))
    with UnitOfWork(engine) as uow:
        assert service.schedule_return_visits(uow, Actor.system("t")) == 1
        assert service.schedule_return_visits(uow, Actor.system("t")) == 0
        uow.commit()
    visits = client.get("/api/v1/return-visits", headers=staff.headers("street1_op")).json()
    assert [v["event_id"] for v in visits] == [ev["id"]]
    act(client, staff.headers("street1_op"), ev["id"], "rate", rating=3, comment="一般")
    assert client.get("/api/v1/return-visits", headers=staff.headers("street1_op")).json() == []


def test_followers_of_a_place_are_told_of_changes(client, engine, district, staff):
    r = client.post(
        "/api/v1/follows",
        json={"adapter": "sms", "contact": "13600000000", "area_code": district.communities[0]},
        headers=staff.headers("hotline"),
    )
    assert r.status_code == 201
    lat, lng = district.centre(district.grids[0])
    ev = post_event(
        client, staff.headers("hotline"), channel="app", text="路灯不亮", lat=lat, lng=lng, matter_code="C010301"
    )
    act(client, staff.headers("grid1_worker"), ev["id"], "accept")
    with engine.connect() as c:
        rows = c.execute(
            sa.select(event_outbox.c.recipient, event_outbox.c.payload).where(event_outbox.c.kind == "follow_update")
        ).all()
    assert [(r.recipient, r.payload["status"]) for r in rows] == [("13600000000", "accepted")]


def test_outbox_retries_a_failing_adapter_and_delivers_later(client, engine, district, staff):
    clock.set_now(clock.now())
    calls = []

    def flaky(message):
        calls.append(message["id"])
        if len(calls) == 1:
            raise ConnectionError("12345 gateway down")

    outbox.register_adapter("hotline_12345", flaky)
    _closed_event(client, district, staff)
    _, failed = outbox.deliver_due(engine)
    assert failed == 1
    with engine.connect() as c:
        row = c.execute(sa.select(event_outbox).where(event_outbox.c.adapter == "hotline_12345")).one()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "gateway down" in row.last_error
    clock.advance(timedelta(minutes=5))
    outbox.deliver_due(engine)
    with engine.connect() as c:
        row = c.execute(sa.select(event_outbox).where(event_outbox.c.adapter == "hotline_12345")).one()
    assert (row.status, row.attempts) == ("sent", 2)


def test_photos_are_stored_with_type_and_size_checks(client, district, staff, tmp_path):
    from PIL import Image

    lat, lng = district.centre(district.grids[0])
    ev = post_event(
        client, staff.headers("hotline"), channel="app", text="路灯不亮", lat=lat, lng=lng, matter_code="C010301"
    )
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    client.app.state.settings.var_dir = tmp_path
    r = client.post(
        f"/api/v1/events/{ev['id']}/photos",
        files={"file": ("a.png", buf.getvalue(), "image/png")},
        headers=staff.headers("hotline"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/png"
    assert list(tmp_path.rglob("*.png"))
    photo = r.json()
    # read back: listed on the event and in its detail, the file served with its type
    listed = client.get(f"/api/v1/events/{ev['id']}/photos", headers=staff.headers("hotline")).json()
    assert [p["id"] for p in listed] == [photo["id"]]
    detail = client.get(f"/api/v1/events/{ev['id']}", headers=staff.headers("hotline")).json()
    assert [p["url"] for p in detail["photos"]] == [listed[0]["url"]]
    got = client.get(listed[0]["url"], headers=staff.headers("street1_op"))
    assert got.status_code == 200
    assert got.headers["content-type"] == "image/png"
    assert got.content == buf.getvalue()
    # another street's operator cannot see the event, so not its photos either; no login, no photo
    assert client.get(listed[0]["url"], headers=staff.headers("street2_op")).status_code == 404
    assert client.get(f"/api/v1/events/{ev['id']}/photos", headers=staff.headers("street2_op")).status_code == 404
    assert client.get(listed[0]["url"]).status_code == 401
    r = client.get(f"/api/v1/events/{ev['id']}/photos/nope", headers=staff.headers("hotline"))
    assert (r.status_code, r.json()["error"]["field"]) == (404, "photo_id")
    r = client.post(
        f"/api/v1/events/{ev['id']}/photos",
        files={"file": ("a.png", b"#!/bin/sh\n", "image/png")},
        headers=staff.headers("hotline"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "file"


def test_bad_input_names_the_field_and_writes_nothing(client, engine, district, staff):
    h = staff.headers("hotline")
    cases = [
        ({"channel": "fax", "text": "x", "lat": 30.41, "lng": 120.01}, "channel"),
        ({"channel": "app", "text": "x"}, "location"),
        ({"channel": "app", "text": "x", "lat": 30.41}, "lng"),
        (
            {
                "channel": "app",
                "text": "x",
                "lat": 30.41,
                "lng": 120.01,
                "matter_code": "E010101",
                "parameters": {"area_m2": -1},
            },
            "parameters.area_m2",
        ),
        ({"channel": "app", "text": "x", "lat": 30.41, "lng": 120.01, "matter_code": "NOPE"}, "matter_code"),
        ({"channel": "app", "text": "x", "lat": 30.41, "lng": 120.01, "crs": "bd09"}, "crs"),
    ]
    for body, field in cases:
        r = client.post("/api/v1/events", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["field"] == field
    with engine.connect() as c:
        assert c.execute(sa.text("select count(*) from events")).scalar_one() == 0


def test_an_event_is_assigned_only_to_a_person_of_its_department(client, engine, district, staff):
    lat, lng = district.centre(district.grids[1])
    ev = post_event(
        client,
        staff.headers("hotline"),
        channel="app",
        text="大片垃圾",
        lat=lat,
        lng=lng,
        matter_code="E010101",
        parameters={"area_m2": 80},
    )
    done = act(client, staff.headers("street1_op"), ev["id"], "assign", assignee="sanitation1")
    assert done["assignee"] == "sanitation1"
    r = client.post(
        f"/api/v1/events/{ev['id']}/actions/assign",
        json={"assignee": "water_handler"},
        headers=staff.headers("street1_op"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "assignee"


def test_triage_corrections_are_offered_as_training_samples(client, engine, district, staff):
    lat, lng = district.centre(district.grids[0])
    ev = post_event(
        client, staff.headers("hotline"), channel="hotline_12345", text="你好，我想反映一下情况", lat=lat, lng=lng
    )
    act(client, staff.headers("district_op"), ev["id"], "dispatch", matter_code="C010301")
    with UnitOfWork(engine) as uow:
        assert service.training_samples(uow) == [("你好，我想反映一下情况", "C010301")]


def test_the_nature_comes_from_the_reporter_or_the_words(client, engine, district, staff):
    """诉求性质: the reporter's choice wins; else the words (投诉 cues); else the matter's own."""
    h = staff.headers("hotline")
    lat, lng = district.centre(district.grids[0])
    base = {"channel": "hotline_12345", "lng": lng, "matter_code": "C010301"}  # 路灯不亮: [求决]
    # points apart, so that none is taken for a duplicate of another
    plain = post_event(client, h, **base, lat=lat, text="小区门口路灯坏了，麻烦修一下，谢谢")
    blamed = post_event(client, h, **base, lat=lat + 1e-3, text="路灯坏了一个月，多次反映一直没人修，我要投诉")
    chosen = post_event(client, h, **base, lat=lat + 2e-3, text="路灯坏了，多次反映没人管", nature="咨询")
    assert (plain["nature"], blamed["nature"], chosen["nature"]) == ("求决", "投诉", "咨询")
    with engine.connect() as c:
        stored = dict(c.execute(sa.select(events_table.c.id, events_table.c.nature)).all())
    assert stored[blamed["id"]] == "投诉"
    # re-classifying keeps a nature the new matter allows, and re-reads the words otherwise
    r = act(client, h, blamed["id"], "reroute", matter_code="C010302")  # 路灯白天亮: [建议]
    assert r["nature"] == "投诉"  # the words still say 投诉
    r = act(client, h, plain["id"], "reroute", matter_code="C010302")
    assert r["nature"] == "建议"
