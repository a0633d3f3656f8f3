"""Intake and the event list answer the matter's responsible (主责) and co-operating (配合)
departments beside the handler at the decided level (issue 16, item 1)."""

from __future__ import annotations

from gridbrain.catalog.model import decide
from gridbrain.events.matters import catalog
from tests.events.helpers import post_event


def test_an_intake_answer_names_the_responsible_department_beside_the_handler(client, district, staff):
    lat, lng = district.centre(district.grids[0])
    ev = post_event(
        client,
        staff.headers("hotline"),
        channel="app",
        text="路灯不亮",
        lat=lat,
        lng=lng,
        matter_code="C010301",
    )
    want = decide(catalog().get("C010301"), {})
    assert ev["responsible_department"] == {
        "code": want.responsible_department.code,
        "name": want.responsible_department.name,
    }
    assert [c["code"] for c in ev["co_departments"]] == [c.code for c in want.co_departments]
    assert ev["department"]  # the handler at the decided level is still there
    listed = client.get("/api/v1/events", headers=staff.headers("hotline")).json()["items"]
    assert listed[0]["responsible_department"] == ev["responsible_department"]
