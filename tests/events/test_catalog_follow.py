"""An admin's catalog edit reaches classify-and-assign at once (the hub follows the published version)."""

from gridbrain.catalog.loader import read_document


def _report(client, headers, external_id, lat, lng):
    r = client.post(
        "/api/v1/events",
        json={
            "channel": "patrol",
            "external_id": external_id,
            "text": "小区门口暴露垃圾一小堆",
            "lat": lat,
            "lng": lng,
            "crs": "wgs84",
            "matter_code": "E010101",
            "parameters": {"area_m2": 3},
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_an_edited_matter_is_dispatched_by_its_new_rules(client, district):
    lat, lng = district.centre(district.grids[0])
    before = _report(client, district.headers("grid1_worker"), "P-before", lat, lng)
    assert before["level"] == "grid"
    body = next(m for m in read_document()["matters"] if m["code"] == "E010101")
    body = {k: v for k, v in body.items() if k != "code"} | {
        "default_level": "street",
        "level_rules": [],
        "note": "区里要求暴露垃圾由街道统一处置",
    }
    r = client.put("/api/v1/catalog/matters/E010101", json=body, headers=district.headers("admin"))
    assert r.status_code == 200, r.text
    # far from the first report, so it is not linked to it as a duplicate
    lat, lng = district.centre(district.grids[7])
    after = _report(client, district.headers("district_op"), "P-after", lat, lng)
    assert after["level"] == "street"
    assert after["department"] == f"{district.streets[1][:9]}:{body['departments']['street']}"


def test_a_version_published_by_another_process_is_followed(engine, district):
    """Another server process published (its signal never reaches this one): one look at the
    active version picks the new catalog up, and a second look changes nothing."""
    from gridbrain.catalog import service as catalog_service
    from gridbrain.core import signals
    from gridbrain.core.auth import Actor
    from gridbrain.core.db import UnitOfWork
    from gridbrain.events import service
    from gridbrain.events.wiring import follow_catalog

    assert follow_catalog(engine) is False  # the shipped catalog is in force: nothing to follow
    doc = read_document()
    doc["version"] = "2099.1"
    next(m for m in doc["matters"] if m["code"] == "E010101")["default_level"] = "street"
    saved = dict(signals._handlers)
    signals._handlers.clear()  # as in another process: no handler here hears the publication
    try:
        with UnitOfWork(engine) as uow:
            catalog_service.publish(uow, Actor.system("other-process"), doc)
    finally:
        signals._handlers.update(saved)
    assert service.catalog().version != "2099.1"
    assert follow_catalog(engine) is True
    assert service.catalog().version == "2099.1"
    assert service.catalog().get("E010101").default_level.value == "street"
    assert follow_catalog(engine) is False
