"""The whole loop on both databases: intake → classified → dispatched to the right department and
level → accepted → handled → verified → closed → answered back → rated; returns; the out-of-list
filter."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.catalog.loader import load_catalog
from gridbrain.core import signals
from gridbrain.events import outbox
from gridbrain.events.signals import EventClosed
from gridbrain.events.tables import event_outbox, event_training
from tests.events.helpers import act, post_event, transitions


def test_a_grid_workers_patrol_report_travels_the_whole_loop(client, engine, district, staff):
    grid = district.grids[0]
    lat, lng = district.centre(grid)
    seen = []
    signals.connect(EventClosed, seen.append)
    created = post_event(
        client,
        staff.headers("grid1_worker"),
        channel="patrol",
        external_id="P-1",
        text="小区门口暴露垃圾一小堆",
        lat=lat,
        lng=lng,
        crs="wgs84",
        matter_code="E010101",
        parameters={"area_m2": 3},
    )
    assert created["status"] == "dispatched"
    assert (created["level"], created["department"], created["grid_code"]) == ("grid", f"{grid}:grid", grid)
    assert created["matter"]["code"] == "E010101"
    eid = created["id"]
    gw = staff.headers("grid1_worker")
    act(client, gw, eid, "accept")
    act(client, gw, eid, "start")
    act(client, gw, eid, "handle", note="已清理")
    act(client, gw, eid, "verify", note="现场核查已清理")
    closed = act(client, staff.headers("community1_staff"), eid, "close", note="已清理完毕")
    assert closed["status"] == "closed"
    assert [s.event_id for s in seen] == [eid]
    assert seen[0].from_status == "verified"
    assert seen[0].actor == "community1_staff"
    assert outbox.deliver_due(engine)[1] == 0
    answers = [m for m in outbox.sent_log if m["kind"] == "answer"]
    assert [(m["event_id"], m["adapter"]) for m in answers] == [(eid, "app_push")]
    # the resident is told what the handler did, not the close note (issue 23)
    assert answers[0]["payload"]["answer"] == "已清理"
    assert answers[0]["payload"]["close_note"] == "已清理完毕"
    rated = act(client, gw, eid, "rate", rating=5, comment="很及时")
    assert rated["satisfaction"] == 5
    assert [t[0] for t in transitions(engine, eid)] == [
        "reported",
        "dispatched",
        "accepted",
        "started",
        "handled",
        "verified",
        "closed",
    ]


def test_an_iot_alarm_goes_to_the_district_water_bureau_and_back(client, engine, district, staff):
    grid = district.grids[5]
    lat, lng = district.centre(grid)
    created = post_event(
        client,
        staff.headers("hotline"),
        channel="iot",
        external_id="wl-7781-20261124T0800",
        text="积水监测点报警：水深42厘米",
        lat=lat,
        lng=lng,
        matter_code="E040102",
        parameters={"depth_cm": 42},
    )
    assert (created["status"], created["level"], created["department"]) == (
        "dispatched",
        "district",
        "330110:water",
    )
    eid = created["id"]
    wh = staff.headers("water_handler")
    for action in ("accept", "start", "handle"):
        act(client, wh, eid, action, note="排涝完成")
    # the grid worker of another grid may not verify it; the district operator may
    r = client.post(f"/api/v1/events/{eid}/actions/verify", json={}, headers=staff.headers("grid1_worker"))
    assert r.status_code == 404  # not in that grid worker's area at all
    act(client, staff.headers("district_op"), eid, "verify")
    act(client, staff.headers("district_op"), eid, "close", note="积水已排除")
    outbox.deliver_due(engine)
    assert [(m["adapter"], m["payload"]["external_id"]) for m in outbox.sent_log if m["kind"] == "answer"] == [
        ("system", "wl-7781-20261124T0800")
    ]
    assert act(client, staff.headers("district_op"), eid, "rate", rating=4)["satisfaction"] == 4


def test_the_same_submission_retried_never_makes_a_second_event(client, engine, district, staff):
    lat, lng = district.centre(district.grids[0])
    body = {
        "channel": "hotline_12345",
        "external_id": "12345-0001",
        "text": "路灯不亮",
        "lat": lat,
        "lng": lng,
    }
    first = client.post("/api/v1/events", json=body, headers=staff.headers("hotline"))
    again = client.post("/api/v1/events", json=body, headers=staff.headers("hotline"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["created"] is False
    with engine.connect() as c:
        assert c.execute(sa.text("select count(*) from events")).scalar_one() == 1


def test_a_returned_event_is_re_dispatched_and_the_return_is_counted(client, engine, district, staff):
    lat, lng = district.centre(district.grids[1])
    created = post_event(
        client,
        staff.headers("hotline"),
        channel="hotline_12345",
        external_id="12345-77",
        text="路边有一大片建筑垃圾",
        lat=lat,
        lng=lng,
        matter_code="E010101",
        parameters={"area_m2": 80},
    )
    s1 = district.streets[0][:9]
    assert created["department"] == f"{s1}:sanitation"
    assert created["level"] == "street"
    eid = created["id"]
    r = client.post(f"/api/v1/events/{eid}/actions/return", json={}, headers=staff.headers("sanitation1"))
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "reason"
    back = act(client, staff.headers("sanitation1"), eid, "return", reason="属于城管执法范围：违规倾倒")
    assert back["status"] == "returned"
    assert back["returns_count"] == 1
    again = act(client, staff.headers("street1_op"), eid, "dispatch", department_code=f"{s1}:city_management")
    assert again["status"] == "dispatched"
    assert again["department"] == f"{s1}:city_management"
    act(client, staff.headers("cm1"), eid, "accept")
    assert client.get("/api/v1/event-returns", headers=staff.headers("district_op")).json() == {"E010101": 1}
    assert [t[0] for t in transitions(engine, eid)] == [
        "reported",
        "dispatched",
        "returned",
        "dispatched",
        "accepted",
    ]
    with engine.connect() as c:
        assert c.execute(sa.select(event_training.c.source)).scalars().all() == ["return"]


def test_an_out_of_list_matter_never_reaches_a_grid_worker(client, engine, district, staff):
    lat, lng = district.centre(district.grids[0])
    # H100203 公共场所控烟 is not on the grid workers' list: a re-route to the grid is refused
    created = post_event(
        client,
        staff.headers("hotline"),
        channel="hotline_12345",
        external_id="12345-9",
        text="商场里有人抽烟",
        lat=lat,
        lng=lng,
        matter_code="H100203",
    )
    assert created["level"] != "grid"
    r = client.post(
        f"/api/v1/events/{created['id']}/actions/reroute",
        json={"level": "grid", "note": "下派"},
        headers=staff.headers("district_op"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["rule"] == "out_of_list"
    r = client.post(
        f"/api/v1/events/{created['id']}/actions/reroute",
        json={"department_code": f"{district.grids[0]}:grid"},
        headers=staff.headers("district_op"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["rule"] == "out_of_list"
    # … unless the district approves a delegation with a funding note and a handbook
    r = client.post(
        "/api/v1/event-delegations",
        headers=staff.headers("district_op"),
        json={
            "matter_code": "H100203",
            "area_code": district.streets[0],
            "funding_note": "街道专项经费",
            "handbook_url": "https://example.org/handbook/h100203",
        },
    )
    assert r.status_code == 201
    moved = act(client, staff.headers("district_op"), created["id"], "reroute", level="grid", note="按授权下派")
    assert moved["level"] == "grid"


def test_a_catalog_that_puts_an_unlisted_matter_on_the_grid_is_lifted_to_the_community(client, district, staff):
    from gridbrain.events import service

    service.use_catalog(load_catalog(overrides={"matters": [{"code": "E010101", "grid_list": False}]}))
    lat, lng = district.centre(district.grids[0])
    created = post_event(
        client,
        staff.headers("hotline"),
        channel="app",
        external_id="a-1",
        text="一小堆垃圾",
        lat=lat,
        lng=lng,
        matter_code="E010101",
        parameters={"area_m2": 1},
    )
    assert created["level"] == "community"
    assert created["department"] == f"{district.communities[0]}:community_office"


def test_a_rerouted_event_tells_the_first_department(client, engine, district, staff):
    lat, lng = district.centre(district.grids[1])
    created = post_event(
        client,
        staff.headers("hotline"),
        channel="hotline_12345",
        external_id="12345-5",
        text="街上大片垃圾",
        lat=lat,
        lng=lng,
        matter_code="E010101",
        parameters={"area_m2": 70},
    )
    first = created["department"]
    moved = act(
        client,
        staff.headers("street1_op"),
        created["id"],
        "reroute",
        matter_code="E050101",
        note="实为占道经营",
    )
    assert moved["department"] != first
    assert moved["matter"]["code"] == "E050101"
    with engine.connect() as c:
        notices = c.execute(sa.select(event_outbox.c.recipient).where(event_outbox.c.kind == "reroute_notice")).all()
    assert [n.recipient for n in notices] == [first]


def test_an_illegal_action_answers_409_with_the_status_and_allowed_actions(client, district, staff):
    lat, lng = district.centre(district.grids[0])
    created = post_event(
        client,
        staff.headers("hotline"),
        channel="app",
        text="路灯不亮",
        lat=lat,
        lng=lng,
        matter_code="C010301",
    )
    r = client.post(f"/api/v1/events/{created['id']}/actions/close", json={}, headers=staff.headers("admin"))
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["status"] == "dispatched"
    assert "accept" in err["allowed"].split(",")
    assert "dispatched" in err["message"]
