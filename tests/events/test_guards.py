"""Guards that were missing: a department chosen by hand must serve the event's place, and a role
that may not approve a delegation is refused as forbidden (403), not as bad input."""

from __future__ import annotations

from tests.events.helpers import post_event


def _returned_street_event(client, district, staff):  # type: ignore[no-untyped-def]
    lat, lng = district.centre(district.grids[1])
    created = post_event(
        client,
        staff.headers("hotline"),
        channel="hotline_12345",
        text="路边有一大片建筑垃圾",
        lat=lat,
        lng=lng,
        matter_code="E010101",
        parameters={"area_m2": 80},
    )
    r = client.post(
        f"/api/v1/events/{created['id']}/actions/return",
        json={"reason": "属于城管执法范围"},
        headers=staff.headers("sanitation1"),
    )
    assert r.status_code == 200, r.text
    return created


def test_a_department_of_another_street_cannot_be_chosen_for_an_event_and_the_answer_says_why(client, district, staff):
    created = _returned_street_event(client, district, staff)
    other_street = district.streets[1][:9]
    r = client.post(
        f"/api/v1/events/{created['id']}/actions/dispatch",
        json={"department_code": f"{other_street}:city_management"},
        headers=staff.headers("district_op"),
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert (error["field"], error["rule"]) == ("department_code", "serves_area")
    assert created["grid_code"] in error["message"]


def test_a_grid_department_of_another_grid_cannot_be_chosen_for_an_event(client, district, staff):
    created = _returned_street_event(client, district, staff)
    r = client.post(
        f"/api/v1/events/{created['id']}/actions/dispatch",
        json={"department_code": f"{district.grids[0]}:grid"},
        headers=staff.headers("district_op"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["rule"] in ("serves_area", "out_of_list")


def test_a_department_of_the_events_own_street_may_still_be_chosen(client, district, staff):
    created = _returned_street_event(client, district, staff)
    own = district.streets[0][:9]
    r = client.post(
        f"/api/v1/events/{created['id']}/actions/dispatch",
        json={"department_code": f"{own}:city_management"},
        headers=staff.headers("district_op"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["department"] == f"{own}:city_management"


def test_a_street_operator_approving_a_delegation_is_forbidden_not_invalid(client, district, staff):
    r = client.post(
        "/api/v1/event-delegations",
        headers=staff.headers("street1_op"),
        json={
            "matter_code": "H100203",
            "area_code": district.streets[0],
            "funding_note": "街道专项经费",
            "handbook_url": "https://example.org/handbook/h100203",
        },
    )
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "forbidden"
    assert "district" in r.json()["error"]["message"]
