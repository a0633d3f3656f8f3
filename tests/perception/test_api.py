"""The perception API: devices (scoped, masked), HTTP batch intake and rejections, series,
alarms, video-AI detections and rules changed at run time."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.events.tables import events
from gridbrain.registry import storage as registry
from gridbrain.registry.model import Kind
from tests.perception.helpers import ADMIN, add_device
from tests.registry.helpers import credit_code

T0 = datetime(2026, 7, 1, 8, 0)


def _r(device: str, at: datetime, **values: float) -> dict[str, object]:
    return {"device_id": device, "ts": at.isoformat(), "values": values}


def test_devices_are_listed_by_kind_within_the_users_area_with_the_watched_person_masked(client, district, engine):
    add_device(engine, district, "DMA", "door_magnet", grid=0, watched_person_id="330110194001011234")
    add_device(engine, district, "SMA", "smoke", grid=7)
    op = client.get("/api/v1/devices", params={"kind": "door_magnet"}, headers=district.headers("district_op")).json()
    assert [(d["code"], d["watched_person_id"]) for d in op["items"]] == [("DMA", "330110********1234")]
    street2 = client.get("/api/v1/devices", headers=district.headers("street2_op")).json()
    assert [d["code"] for d in street2["items"]] == ["SMA"]
    inside = client.get("/api/v1/devices", params={"area": district.grids[7]}, headers=district.headers("admin")).json()
    assert inside["total"] == 1
    bad = client.get("/api/v1/devices", params={"kind": "toaster"}, headers=district.headers("admin"))
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "kind"


def test_a_batch_of_readings_answers_each_item_and_its_rejections_are_visible(client, district, engine):
    clock.set_now(T0)
    add_device(engine, district, "HYA", "hydrant")
    now = clock.now()
    body = {
        "readings": [
            _r("HYA", now, pressure_mpa=0.3),
            _r("HYA", now, pressure_mpa=0.3),  # the same time twice: a duplicate
            _r("HYA", now - timedelta(days=30), pressure_mpa=0.3),
            _r("HYA", now - timedelta(minutes=1), flow=3),
            {
                "device_id": "HYA",
                "ts": now.isoformat(),
                "values": {"pressure_mpa": 0.2},
                "units": {"pressure_mpa": "bar"},
            },
            {"device_id": "HYA"},
            "garbage",
        ]
    }
    out = client.post("/api/v1/readings", json=body, headers=district.headers("admin")).json()
    assert out["stored"] == 1
    assert [i["reason"] for i in out["items"]] == [
        None,
        "duplicate",
        "too_old",
        "unknown_measure",
        "unit",
        "schema",
        "schema",
    ]
    rej = client.get("/api/v1/readings/rejections", headers=district.headers("steward")).json()
    assert {c["reason"]: c["count"] for c in rej["counts"]} == {
        "duplicate": 1,
        "too_old": 1,
        "unknown_measure": 1,
        "unit": 1,
        "schema": 2,
    }
    assert len(rej["samples"]) == 6 and all(s["source"] == "http" for s in rej["samples"])
    assert client.get("/api/v1/readings/rejections", headers=district.headers("grid1_worker")).status_code == 403


def test_readings_are_answered_raw_and_by_hour(client, district, engine):
    clock.set_now(T0)
    add_device(engine, district, "NZA", "noise")
    start = clock.now() - timedelta(hours=3)
    body = {"readings": [_r("NZA", start + timedelta(minutes=10 * i), leq_db=40 + i) for i in range(12)]}
    client.post("/api/v1/readings", json=body, headers=district.headers("admin"))
    params = {"from": (start - timedelta(hours=1)).isoformat(), "to": clock.now().isoformat()}
    raw = client.get("/api/v1/devices/NZA/readings", params=params, headers=district.headers("admin")).json()
    assert [p["values"]["leq_db"] for p in raw["points"]] == [40.0 + i for i in range(12)]
    hourly = client.get(
        "/api/v1/devices/NZA/readings", params=params | {"step": "hour"}, headers=district.headers("admin")
    ).json()
    stats = [p["stats"]["leq_db"] for p in hourly["points"]]
    assert [(s["n"], s["min"], s["max"], s["avg"]) for s in stats] == [(6, 40, 45, 42.5), (6, 46, 51, 48.5)]
    outside = client.get("/api/v1/devices/NZA/readings", headers=district.headers("street2_op"))
    assert outside.status_code == 404


def test_an_alarm_is_acknowledged_then_cleared_and_refuses_to_be_acknowledged_again(client, district, engine):
    clock.set_now(T0)
    add_device(engine, district, "GSA", "gas_leak")
    client.post(
        "/api/v1/readings", json={"readings": [_r("GSA", clock.now(), lel_pct=35)]}, headers=district.headers("admin")
    )
    (alarm,) = client.get("/api/v1/alarms", params={"status": "active"}, headers=district.headers("street1_op")).json()[
        "items"
    ]
    assert alarm["severity"] == "critical" and alarm["event_id"]
    h = district.headers("street1_op")
    assert client.post(f"/api/v1/alarms/{alarm['id']}/acknowledge", headers=h).json()["status"] == "acknowledged"
    cleared = client.post(f"/api/v1/alarms/{alarm['id']}/clear", json={"note": "已关阀通风"}, headers=h).json()
    assert (cleared["status"], cleared["note"], cleared["cleared_by"]) == ("cleared", "已关阀通风", "street1_op")
    again = client.post(f"/api/v1/alarms/{alarm['id']}/acknowledge", headers=h)
    assert again.status_code == 409
    detail = client.get(f"/api/v1/events/{alarm['event_id']}", headers=district.headers("admin")).json()
    assert [(a["id"], a["status"], a["note"]) for a in detail["alarms"]] == [(alarm["id"], "cleared", "已关阀通风")]
    assert client.get("/api/v1/alarms", headers=district.headers("street2_op")).json()["total"] == 0


def test_a_garbage_detection_repeated_ten_times_in_a_minute_makes_one_event_linked_to_the_shop(
    client, district, engine
):
    clock.set_now(T0)
    uscc = credit_code(7)
    with UnitOfWork(engine) as uow:
        registry.write_one(
            uow,
            ADMIN,
            Kind.ENTERPRISE,
            {"uscc": uscc, "name": "好又多便利店", "industry": "零售业"},
            source="test",
            tag="registry:enterprise:created",
        )
        uow.commit()
    add_device(engine, district, "CAM1", "camera", faces_uscc=uscc)
    h = district.headers("admin")
    outcomes = []
    for i in range(10):
        body = {
            "camera": "CAM1",
            "class": "garbage",
            "confidence": 0.9,
            "detected_at": (clock.now() + timedelta(seconds=6 * i)).isoformat(),
        }
        outcomes.append(client.post("/api/v1/detections", json=body, headers=h).json())
    low = client.post(
        "/api/v1/detections", json={"camera": "CAM1", "class": "street_vending", "confidence": 0.3}, headers=h
    )
    assert [o["outcome"] for o in outcomes] == ["opened"] + ["merged"] * 9
    assert low.json()["outcome"] == "ignored"
    assert {o["event_id"] for o in outcomes} == {outcomes[0]["event_id"]}
    assert {o["shop_uscc"] for o in outcomes} == {uscc}
    with UnitOfWork(engine) as uow:
        evs = list(uow.execute(sa.select(events.c.channel, events.c.matter_code, events.c.text)))
    assert len(evs) == 1
    assert (evs[0].channel, evs[0].matter_code) == ("video_ai", "E010101") and "好又多便利店" in evs[0].text
    (alarm,) = client.get("/api/v1/alarms", headers=h).json()["items"]
    assert alarm["repeats"] == 10


def test_a_rule_changed_at_run_time_applies_to_the_next_reading(client, district, engine):
    clock.set_now(T0)
    add_device(engine, district, "TPA", "temperature")
    add_device(engine, district, "TPB", "temperature")
    h = district.headers("admin")
    changed = client.put(
        "/api/v1/perception/rules/temperature/hot",
        json={"params": {"above": 30, "hold_readings": 1}, "device_code": "TPA"},
        headers=h,
    )
    assert changed.status_code == 200 and changed.json()["params"]["above"] == 30
    client.post(
        "/api/v1/readings",
        json={"readings": [_r("TPA", clock.now(), temperature_c=35), _r("TPB", clock.now(), temperature_c=35)]},
        headers=h,
    )
    assert [a["device_code"] for a in client.get("/api/v1/alarms", headers=h).json()["items"]] == ["TPA"]
    bad = client.put(
        "/api/v1/perception/rules/temperature/hot", json={"params": {"severity": "apocalyptic"}}, headers=h
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "temperature.hot.severity"


def test_the_map_layer_shows_devices_with_their_worst_open_alarm_and_offline_ones(client, district, engine):
    clock.set_now(T0)
    add_device(engine, district, "GSM", "gas_leak")
    add_device(engine, district, "PKM", "parking")
    add_device(engine, district, "PKN", "parking", grid=7)
    h = district.headers("admin")
    client.post("/api/v1/readings", json={"readings": [_r("GSM", clock.now(), lel_pct=50)]}, headers=h)
    layer = client.get("/api/v1/perception/map", headers=district.headers("street1_op")).json()
    props = {f["properties"]["code"]: f["properties"] for f in layer["features"]}
    assert set(props) == {"GSM", "PKM"}
    assert (props["GSM"]["alarm"], props["PKM"]["alarm"]) == ("critical", None)
    alarmed = client.get("/api/v1/perception/map", params={"alarmed": True}, headers=h).json()
    assert [f["properties"]["code"] for f in alarmed["features"]] == ["GSM"]
    assert alarmed["features"][0]["geometry"]["type"] == "Point"


def test_a_detection_after_the_merge_window_clears_the_old_alarm_and_opens_a_new_event(client, district, engine):
    clock.set_now(T0)
    add_device(engine, district, "CAM2", "camera")
    h = district.headers("admin")
    first = client.post(
        "/api/v1/detections", json={"camera": "CAM2", "class": "illegal_parking", "confidence": 0.97}, headers=h
    )
    clock.advance(timedelta(minutes=31))
    second = client.post(
        "/api/v1/detections", json={"camera": "CAM2", "class": "illegal_parking", "confidence": 0.97}, headers=h
    )
    assert (first.json()["outcome"], second.json()["outcome"]) == ("opened", "opened")
    assert first.json()["event_id"] != second.json()["event_id"] and first.json()["shop_uscc"] is None
    statuses = sorted(a["status"] for a in client.get("/api/v1/alarms", headers=h).json()["items"])
    assert statuses == ["active", "cleared"]
    unknown = client.post("/api/v1/detections", json={"camera": "CAM2", "class": "ufo", "confidence": 0.9}, headers=h)
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "class"
