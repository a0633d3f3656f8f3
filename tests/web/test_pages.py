"""The pages over HTTP on SQLite and PostgreSQL: scoping, forms that keep what was typed, the
resident's ticket, the cockpit's figures, and the navigation per role."""

from __future__ import annotations

from typing import Any

from gridbrain.core.auth import Role
from gridbrain.core.db import UnitOfWork
from gridbrain.web import cockpit_data
from gridbrain.web.nav import home_of, nav_for
from tests.factories import PASSWORD


def _login(client: Any, username: str) -> None:
    r = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text


def _report(client: Any, district: Any, grid: str, text: str = "小区门口路灯不亮了，晚上很黑") -> str:
    lat, lng = district.centre(grid)
    r = client.post(
        "/api/v1/events",
        json={"channel": "hotline_12345", "text": text, "lat": lat, "lng": lng},
        headers=district.headers("district_op"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_a_street_operator_gets_404_on_another_street_s_event_page(client, district):
    foreign = _report(client, district, district.grids[-1])  # the last grid lies in the second street
    _login(client, "district_op")
    assert client.get(f"/desk/events/{foreign}").status_code == 200
    client.post("/logout")
    _login(client, "street1_op")
    assert client.get(f"/desk/events/{foreign}").status_code == 404


def test_the_cockpit_counts_a_new_event_in_its_own_street_only(client, district, engine):
    _report(client, district, district.grids[0])
    with UnitOfWork(engine) as uow:
        mine = cockpit_data.kpis(uow, district.streets[0])
        other = cockpit_data.kpis(uow, district.streets[1])
        markers = cockpit_data.markers(uow, district.streets[0])
    assert (mine.today, mine.open) == (1, 1)
    assert (other.today, other.open) == (0, 0)
    assert len(markers) == 1 and not markers[0].overdue
    with UnitOfWork(engine) as uow:
        cells = cockpit_data.heat(uow, district.streets[0])
        assert cockpit_data.heat(uow, district.streets[1]) == []
    assert [c.count for c in cells] == [1] and len(cells[0].boundary) == 6


def test_the_cockpit_page_of_an_area_outside_the_user_s_is_404(client, district):
    _login(client, "street1_op")
    assert client.get(f"/cockpit?area={district.streets[0]}").status_code == 200
    assert client.get(f"/cockpit?area={district.streets[1]}").status_code == 404


def test_a_resident_s_bad_report_answers_the_messages_by_field_and_keeps_what_was_typed(client, district):
    r = client.post("/report", data={"text": "灯坏", "phone": "12ab", "name": "李四"})
    assert r.status_code == 422
    assert 'id="text-error"' in r.text and 'id="location-error"' in r.text and 'id="phone-error"' in r.text
    assert ">灯坏</textarea>" in r.text and 'value="李四"' in r.text and 'value="12ab"' in r.text


def test_a_resident_gets_a_ticket_that_other_browsers_see_without_its_text(client, district):
    lat, lng = district.centre(district.grids[0])
    text = "楼下垃圾桶满了好几天没人清运"
    r = client.post(
        "/report", data={"text": text, "lat": str(lat), "lng": str(lng), "phone": "13800001234"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    ticket_page = r.headers["location"]
    mine = client.get(ticket_page)
    assert text in mine.text
    client.cookies.clear()  # another browser
    other = client.get(ticket_page)
    assert other.status_code == 200
    assert text not in other.text and "13800001234" not in other.text
    assert client.post(f"{ticket_page}/rate", data={"rating": "5"}).status_code == 404


def test_each_role_sees_only_its_own_pages_and_lands_on_the_first():
    assert [i.path for i in nav_for(Role.DISTRICT_OPERATOR)] == ["/cockpit", "/desk", "/supervision"]
    assert [i.path for i in nav_for(Role.DEPARTMENT_HANDLER)] == ["/desk"]
    assert [i.path for i in nav_for(Role.GRID_WORKER)] == ["/m/"]
    assert [i.path for i in nav_for(Role.DATA_STEWARD)] == ["/steward"]
    assert home_of(Role.OPEN311_CLIENT) == "/report"


def test_the_desk_shows_the_decided_level_and_department_of_a_picked_matter(client, district):
    _login(client, "district_op")
    r = client.post("/desk/decide", data={"matter_code": "E030201"})  # 工地扬尘
    assert r.status_code == 200
    assert "data-level>街道<" in r.text and "data-department>" in r.text
    unknown = client.post("/desk/decide", data={"matter_code": "NOPE"})
    assert 'class="field-error"' in unknown.text


def test_a_department_handler_sees_no_triage_queue_and_no_cockpit(client, district, engine):
    from gridbrain.core import auth

    with UnitOfWork(engine) as uow:
        auth.create_user(
            uow,
            "water1",
            role=auth.Role.DEPARTMENT_HANDLER,
            password=PASSWORD,
            area_code=district.streets[0],
            department_code=f"{district.streets[0][:9]}:water",
        )
        uow.commit()
    _login(client, "water1")
    desk = client.get("/desk")
    assert desk.status_code == 200 and 'id="triage"' not in desk.text
    assert client.get("/cockpit").status_code == 404


def test_a_themed_cockpit_counts_only_the_matters_of_its_theme(client, district, engine):
    from gridbrain.catalog import service as catalog_service
    from gridbrain.web.cockpit import themes

    lat, lng = district.centre(district.grids[0])
    body = {"channel": "patrol", "text": "工地扬尘很大", "lat": lat, "lng": lng, "matter_code": "E030201"}
    assert client.post("/api/v1/events", json=body, headers=district.headers("district_op")).status_code == 201
    with UnitOfWork(engine) as uow:
        cat = catalog_service.active_catalog(uow)
        own = cat.get("E030201").class_path[0]
        other = next(t for t in themes(uow) if t != own)
        codes = {t: tuple(m.code for m in cat if m.class_path[0] == t) for t in (own, other)}
        assert cockpit_data.kpis(uow, district.streets[0], codes[own]).open == 1
        assert cockpit_data.kpis(uow, district.streets[0], codes[other]).open == 0
    _login(client, "district_op")
    page = client.get("/cockpit", params={"theme": own})
    assert page.status_code == 200 and f'data-theme="{own}"' in page.text
    assert client.get("/cockpit", params={"theme": "没有这个专题"}).status_code == 404
