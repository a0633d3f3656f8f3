"""The address API on SQLite and PostgreSQL: match, batch, list, reverse, import, scoping."""

import sqlalchemy as sa

from gridbrain.addresses.tables import addresses
from gridbrain.core import audit
from gridbrain.core.db import UnitOfWork
from tests.addresses.library import to_csv


def test_match_needs_a_user(client, library):
    assert client.post("/api/v1/addresses/match", json={"text": "星河苑"}).status_code == 401


def test_match_answers_address_grid_point_h3_score_and_alternatives(client, library, district):
    r = client.post(
        "/api/v1/addresses/match", json={"text": "星河苑３栋二单元五零一门口"}, headers=district.headers("admin")
    )
    assert r.status_code == 200
    body = r.json()
    assert body["address"] == {
        "code": library.codes["星河苑3-2-501"],
        "text": "浙江省杭州市余杭区仓前街道仓前南社区星河路88号星河苑3幢2单元501室",
        "level": "room",
    }
    assert body["grid_code"] == district.grids[0]
    assert body["resolved"] is True and body["score"] >= 0.95
    assert body["lat"] and body["lng"] and len(body["h3"]) == 15
    assert body["alternatives"] == []


def test_an_ambiguous_text_is_unresolved_with_candidates_not_a_guess(client, library, district):
    body = client.post(
        "/api/v1/addresses/match", json={"text": "金色家园1幢"}, headers=district.headers("admin")
    ).json()
    assert body["resolved"] is False and body["address"] is None and body["grid_code"] is None
    assert len(body["alternatives"]) >= 2


def test_an_empty_text_is_refused_naming_the_field(client, library, district):
    r = client.post("/api/v1/addresses/match", json={"text": ""}, headers=district.headers("admin"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "text"


def test_batch_match_answers_in_the_order_asked(client, library, district):
    r = client.post(
        "/api/v1/addresses/match/batch",
        json={"texts": ["星河路", "湖墅南路88号楼下", "无名之地"]},
        headers=district.headers("admin"),
    )
    assert r.status_code == 200
    levels = [x["address"]["level"] if x["address"] else None for x in r.json()["results"]]
    assert levels == ["road", "door", None]


def test_a_street_operator_matches_only_inside_their_street(client, library, district):
    other = client.post(
        "/api/v1/addresses/match", json={"text": "湖墅南路88号"}, headers=district.headers("street1_op")
    )
    assert other.json()["resolved"] is False
    own = client.post("/api/v1/addresses/match", json={"text": "星河苑3幢"}, headers=district.headers("street1_op"))
    assert own.json()["resolved"] is True


def test_the_list_is_scoped_to_the_users_area_and_filtered_by_text(client, library, district):
    mine = client.get("/api/v1/addresses", params={"q": "88号", "limit": 500}, headers=district.headers("street2_op"))
    assert mine.status_code == 200
    codes = {a["code"] for a in mine.json()}
    assert library.codes["湖墅南路88号"] in codes
    assert library.codes["星河路88号"] not in codes
    assert all(a["grid_code"].startswith(district.streets[1][:9]) for a in mine.json())


def test_listing_another_area_is_404_and_a_bad_level_names_the_field(client, library, district):
    h = district.headers("street1_op")
    assert client.get("/api/v1/addresses", params={"area": district.streets[1]}, headers=h).status_code == 404
    r = client.get("/api/v1/addresses", params={"level": "floor"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "level"


def test_one_address_comes_with_its_aliases_and_is_hidden_outside_the_area(client, library, district):
    code = library.codes["良睦路18号"]
    r = client.get(f"/api/v1/addresses/{code}", headers=district.headers("admin"))
    assert r.status_code == 200 and r.json()["aliases"] == [{"alias": "仓前市民中心", "kind": "poi"}]
    assert client.get(f"/api/v1/addresses/{code}", headers=district.headers("street1_op")).status_code == 404


def test_reverse_gives_the_grid_and_the_nearest_addresses(client, library, district):
    m = client.post("/api/v1/addresses/match", json={"text": "星河苑2幢"}, headers=district.headers("admin")).json()
    r = client.get(
        "/api/v1/addresses/reverse",
        params={"lat": m["lat"], "lng": m["lng"], "limit": 3},
        headers=district.headers("admin"),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["grid_code"] == district.grids[0]
    assert body["addresses"][0]["code"] == library.codes["星河苑2"]
    assert body["addresses"][0]["distance_m"] < 1


def test_an_import_with_a_bad_row_imports_nothing_and_names_line_field_and_rule(client, library, district):
    rows = [
        {"code": "NEW-1", "level": "road", "road": "新华路", "lat": "30.41", "lng": "120.01"},
        {
            "code": "NEW-2",
            "parent_code": "NEW-1",
            "level": "door",
            "road": "新华路",
            "number": "",
            "lat": "30.41",
            "lng": "120.01",
        },
    ]
    r = client.post(
        "/api/v1/addresses/import",
        content=to_csv(rows).encode(),
        headers={**district.headers("steward"), "content-type": "text/csv"},
    )
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "number" and "line 3" in r.json()["error"]["message"]
    with UnitOfWork(client.app.state.engine) as uow:
        assert uow.execute(sa.select(addresses.c.code).where(addresses.c.code.like("NEW-%"))).all() == []


def test_an_import_places_rows_in_their_grid_composes_the_text_and_is_audited(client, library, district):
    lat, lng = district.centre(district.grids[2])
    rows = [
        {"code": "NEW-1", "level": "road", "road": "新华路", "lat": str(lat), "lng": str(lng)},
        {
            "code": "NEW-2",
            "parent_code": "NEW-1",
            "level": "door",
            "road": "新华路",
            "number": "7号",
            "lat": str(lat),
            "lng": str(lng),
            "aliases": "poi:新华书店",
        },
    ]
    r = client.post(
        "/api/v1/addresses/import",
        content=to_csv(rows).encode(),
        headers={**district.headers("steward"), "content-type": "text/csv"},
    )
    assert r.status_code == 200 and r.json()["imported"] == 2 and r.json()["aliases"] == 1
    m = client.post("/api/v1/addresses/match", json={"text": "新华书店门口"}, headers=district.headers("admin")).json()
    assert m["address"]["code"] == "NEW-2"
    assert m["address"]["text"] == "浙江省杭州市余杭区仓前街道仓前北社区新华路7号"
    assert m["grid_code"] == district.grids[2]
    with UnitOfWork(client.app.state.engine) as uow:
        assert [e["detail"]["imported"] for e in audit.entries(uow, tag_prefix="addresses:library:imported")][-1] == 2


def test_an_import_refuses_a_child_under_the_wrong_level_and_a_duplicate_code(client, library, district):
    rows = [
        {"code": library.codes["星河苑"], "level": "road", "road": "重复路", "lat": "30.41", "lng": "120.01"},
        {
            "code": "NEW-9",
            "parent_code": library.codes["星河路"],
            "level": "room",
            "room": "101室",
            "lat": "30.41",
            "lng": "120.01",
        },
    ]
    r = client.post(
        "/api/v1/addresses/import",
        params={"skip_invalid": True},
        content=to_csv(rows).encode(),
        headers={**district.headers("steward"), "content-type": "text/csv"},
    )
    body = r.json()
    assert r.status_code == 200 and body["imported"] == 0 and body["error_count"] == 2
    assert {(e["field"], e["line"]) for e in body["errors"]} == {("code", 2), ("parent_code", 3)}


def test_only_data_stewards_import(client, library, district):
    r = client.post(
        "/api/v1/addresses/import",
        content=b"code,level,lat,lng\n",
        headers={**district.headers("street1_op"), "content-type": "text/csv"},
    )
    assert r.status_code == 403
