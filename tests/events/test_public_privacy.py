"""What leaves through public Open311 and what intake refuses (issue 14: personal data typed into
a complaint, exact coordinates, unsafe links, NUL, booleans as coordinates)."""

from __future__ import annotations

from tests.events.helpers import post_event


def _report(client, district, staff, **extra):
    lat, lng = district.centre(district.grids[0])
    body = {
        "channel": "app",
        "text": "我叫王小明，电话13712345678，身份证330110199001011234，楼下垃圾三天没人收",
        "lat": lat,
        "lng": lng,
        "matter_code": "E010101",
        "parameters": {"area_m2": 1},
        **extra,
    }
    return post_event(client, staff.headers("hotline"), **body)


def test_open311_never_answers_a_phone_id_number_or_name_typed_into_the_text(client, district, staff):
    ev = _report(client, district, staff)
    [req] = client.get(f"/open311/v2/requests/{ev['id']}.json").json()
    assert "13712345678" not in req["description"] and "137****5678" in req["description"]
    assert "199001011234" not in req["description"] and "19900101" not in req["description"]
    assert "王小明" not in req["description"]
    listed = client.get("/open311/v2/requests.json").text
    assert "13712345678" not in listed and "330110199001011234" not in listed


def test_open311_answers_coordinates_to_about_a_hundred_metres(client, district, staff):
    ev = _report(client, district, staff)
    [req] = client.get(f"/open311/v2/requests/{ev['id']}.json").json()
    assert req["lat"] == round(ev["lat"], 3) and req["long"] == round(ev["lng"], 3)


def test_intake_refuses_links_that_are_not_http_and_text_with_nul(client, district, staff):
    lat, lng = district.centre(district.grids[0])
    base = {"channel": "app", "text": "路灯不亮", "lat": lat, "lng": lng, "matter_code": "C010301"}
    headers = staff.headers("hotline")
    for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "http://"):
        r = client.post("/api/v1/events", json={**base, "media_url": url}, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["field"] == "media_url", url
    r = client.post("/api/v1/events", json={**base, "text": "路灯\x00不亮"}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "text"
    ok = client.post("/api/v1/events", json={**base, "media_url": "https://img.example.cn/a.jpg"}, headers=headers)
    assert ok.status_code == 201


def test_booleans_and_strings_are_not_coordinates(client, district, staff):
    _, lng = district.centre(district.grids[0])
    headers = staff.headers("hotline")
    for bad in (True, "30.4"):
        r = client.post(
            "/api/v1/events",
            json={"channel": "app", "text": "路灯不亮", "lat": bad, "lng": lng, "matter_code": "C010301"},
            headers=headers,
        )
        assert r.status_code == 422 and "lat" in r.json()["error"]["field"], bad


def test_times_without_a_zone_and_absurd_pages_are_refused_by_name(client, district):
    headers = district.headers("admin")
    for query, field in (
        ("since=2026-11-01T00:00:00", "since"),
        ("until=2026-11-01", "until"),
        (f"page={2**63}", "page"),
    ):
        r = client.get(f"/api/v1/events?{query}", headers=headers)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, query
    assert client.get("/api/v1/events?since=2026-11-01T00:00:00%2B08:00", headers=headers).status_code == 200
