"""Open311 GeoReport v2: what an existing client does (list services, post, read status back),
the resident's whole loop, XML, and the spec's error format."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.events import outbox
from gridbrain.events.open311 import service as o311


@pytest.fixture
def api_key(engine, district):
    with UnitOfWork(engine) as uow:
        key = o311.create_key(uow, Actor.system("test"), "resident-app", channel="app")
        uow.commit()
    return key


def _post(client, key, **fields):
    return client.post("/open311/v2/requests.json", data={"api_key": key, **fields})


def test_a_client_lists_services_and_reads_a_matters_attributes(client, district):
    services = client.get("/open311/v2/services.json").json()
    codes = {s["service_code"]: s for s in services}
    assert codes["E010101"]["service_name"] == "暴露垃圾"
    assert codes["E010101"]["metadata"] is True
    assert codes["E010101"]["type"] == "realtime"
    definition = client.get("/open311/v2/services/E010101.json").json()
    attrs = {a["code"]: a for a in definition["attributes"]}
    assert attrs["area_m2"]["datatype"] == "number"
    assert [v["key"] for v in attrs["kind"]["values"]] == ["生活垃圾", "建筑垃圾", "大件垃圾", "餐厨垃圾"]
    assert attrs["blocks_traffic"]["datatype"] == "singlevaluelist"


def test_a_residents_open311_request_travels_the_whole_loop(client, engine, district, staff, api_key):
    lat, lng = district.centre(district.grids[0])
    r = _post(
        client,
        api_key,
        service_code="E010101",
        lat=str(lat),
        long=str(lng),
        description="楼下垃圾堆了三天",
        first_name="三",
        last_name="张",
        phone="13812345678",
        **{"attribute[area_m2]": "4"},
        jurisdiction_id=district.code,
    )
    assert r.status_code == 201, r.text
    [created] = r.json()
    rid = created["service_request_id"]
    status = client.get(f"/open311/v2/requests/{rid}.json").json()[0]
    assert (status["status"], status["service_code"], status["agency_responsible"]) == ("open", "E010101", "网格员")
    assert "13812345678" not in str(status)
    assert "张" not in str(status)
    gw = staff.headers("grid1_worker")
    for action in ("accept", "start", "handle", "verify"):
        assert client.post(f"/api/v1/events/{rid}/actions/{action}", json={}, headers=gw).status_code == 200
    r = client.post(
        f"/api/v1/events/{rid}/actions/close", json={"note": "垃圾已清运"}, headers=staff.headers("street1_op")
    )
    assert r.status_code == 200
    status = client.get(f"/open311/v2/requests/{rid}.json").json()[0]
    assert status["status"] == "closed"
    assert status["status_notes"] == "垃圾已清运"
    outbox.deliver_due(engine)
    assert [(m["adapter"], m["recipient"]) for m in outbox.sent_log if m["kind"] == "answer"] == [
        ("app_push", "13812345678")
    ]
    r = client.post(
        f"/open311/v2/requests/{rid}/rating.json", data={"api_key": api_key, "rating": "5", "comment": "满意"}
    )
    assert r.status_code == 200, r.text
    ext = client.get(f"/open311/v2/requests/{rid}.json?extensions=true").json()[0]
    assert ext["extended_attributes"]["satisfaction"] == 5
    assert ext["extended_attributes"]["detailed_status"] == "closed"


def test_posting_without_a_valid_api_key_is_refused_in_the_spec_error_format(client, district):
    r = _post(client, "not-a-key", service_code="E010101", lat="30.41", long="120.01")
    assert r.status_code == 403
    [err] = r.json()
    assert err["code"] == 403
    assert "api_key" in err["description"]


def test_an_unknown_service_code_is_404_and_a_bad_attribute_400_naming_it(client, district, api_key):
    lat, lng = district.centre(district.grids[0])
    r = _post(client, api_key, service_code="NOPE", lat=str(lat), long=str(lng))
    assert r.status_code == 404
    assert r.json()[0]["code"] == 404
    r = _post(client, api_key, service_code="E010101", lat=str(lat), long=str(lng), **{"attribute[area_m2]": "many"})
    assert r.status_code == 400
    assert "parameters.area_m2" in r.json()[0]["description"]


def test_xml_answers_and_xml_errors_follow_the_spec_shapes(client, district, api_key):
    root = ET.fromstring(client.get("/open311/v2/services.xml").content)  # noqa: S314 - our own output
    assert root.tag == "services"
    assert root[0].tag == "service"
    assert root[0].find("service_code") is not None
    definition = ET.fromstring(client.get("/open311/v2/services/E010101.xml").content)  # noqa: S314
    assert definition.tag == "service_definition"
    assert definition.find("attributes/attribute/code") is not None
    lat, lng = district.centre(district.grids[0])
    r = client.post(
        "/open311/v2/requests.xml",
        data={"api_key": api_key, "service_code": "C010301", "lat": str(lat), "long": str(lng)},
    )
    assert r.status_code == 201
    rid = ET.fromstring(r.content).find("request/service_request_id").text  # noqa: S314
    token = ET.fromstring(client.get(f"/open311/v2/tokens/{rid}.xml").content)  # noqa: S314
    assert token.find("request/service_request_id").text == rid
    err = client.get("/open311/v2/requests/NOPE.xml")
    assert err.status_code == 404
    e = ET.fromstring(err.content)  # noqa: S314
    assert e.tag == "errors"
    assert e.find("error/code").text == "404"


def test_get_requests_filters_by_status_service_and_ids(client, district, api_key):
    lat, lng = district.centre(district.grids[0])
    ids = [
        _post(client, api_key, service_code=code, lat=str(lat + i * 0.01), long=str(lng)).json()[0][
            "service_request_id"
        ]
        for i, code in enumerate(["E010101", "C010301"])
    ]
    assert {r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()} == set(ids)
    only = client.get("/open311/v2/requests.json", params={"service_code": "C010301"}).json()
    assert [r["service_request_id"] for r in only] == [ids[1]]
    assert client.get("/open311/v2/requests.json", params={"status": "closed"}).json() == []
    both = client.get("/open311/v2/requests.json", params={"service_request_id": ",".join(ids)}).json()
    assert len(both) == 2
    assert client.get("/open311/v2/requests.json", params={"jurisdiction_id": "110000000000"}).status_code == 404


def test_discovery_names_the_specification_and_formats(client):
    d = client.get("/open311/v2/discovery.json").json()
    assert d["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in d["endpoints"][0]["formats"]
