"""A replayed (channel, external_id) answers its event only to a caller who may see it (issue 14:
the idempotency lookup answered another street's event)."""

from __future__ import annotations

from tests.events.helpers import post_event


def _body(district, grid: int, external_id: str) -> dict:
    lat, lng = district.centre(district.grids[grid])
    return {
        "channel": "patrol",
        "external_id": external_id,
        "text": "路灯不亮",
        "lat": lat,
        "lng": lng,
        "matter_code": "C010301",
        "reporter": {"name": "王小明", "phone": "13900000001"},
    }


def test_a_replay_from_another_street_is_refused_and_learns_nothing(client, district):
    first = post_event(client, district.headers("street1_op"), **_body(district, 0, "P-77"))
    r = client.post("/api/v1/events", json=_body(district, 0, "P-77"), headers=district.headers("street2_op"))
    assert r.status_code == 409
    assert r.json()["error"]["field"] == "external_id"
    assert first["id"] not in r.text and "13900000001" not in r.text and "路灯" not in r.text


def test_a_replay_by_the_same_caller_still_answers_its_event(client, district):
    first = post_event(client, district.headers("street1_op"), **_body(district, 0, "P-78"))
    again = client.post("/api/v1/events", json=_body(district, 0, "P-78"), headers=district.headers("street1_op"))
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
