"""The governance library over HTTP: import, quarantine queue, as-of reads, masking, layers."""

import json
from datetime import date, datetime, timedelta
from urllib.parse import quote

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.registry.tables import places
from tests.registry.helpers import HEADER, credit_code, person_id

CSV = "text/csv"


def upload(client, district, rows, kind="people", user="steward", name="p.csv"):
    text = ",".join(HEADER) + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    return client.post(f"/api/v1/imports/{kind}".replace("people", "person"), headers=district.headers(user),
                       files={"file": (name, text.encode(), CSV)})  # fmt: skip


def test_import_through_the_api_answers_with_the_counts(client, district):
    good, bad = person_id(1), person_id(2)[:17] + "0"
    r = upload(
        client,
        district,
        [
            [good, "张三", "男", "1950-03-01", "13800000001", "", "", ""],
            [good[:-1] + good[-1].lower(), "张三", "", "", "", "", "", ""],
            [bad if bad != person_id(2) else bad[:17] + "1", "李四", "", "", "", "", "", ""],
        ],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["read"], body["quarantined"]) == (3, 1)
    assert body["accepted"] + body["fixed"] + body["quarantined"] == body["read"]
    assert body["address_matcher"] in (True, False)
    run = client.get(f"/api/v1/imports/runs/{body['run_id']}", headers=district.headers("steward")).json()
    assert (run["status"], run["read"], run["quarantined"]) == ("done", 3, 1)


def test_only_data_stewards_import(client, district):
    r = upload(client, district, [[person_id(1), "张三", "男", "", "", "", "", ""]], user="street1_op")
    assert r.status_code == 403


def test_an_unknown_file_type_is_refused_naming_the_field(client, district):
    r = client.post(
        "/api/v1/imports/person", headers=district.headers("steward"), files={"file": ("p.txt", b"x", "text/plain")}
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "file"


def test_the_steward_works_through_the_quarantine_queue(client, district):
    good = person_id(3)
    broken = good[:17] + ("0" if good[17] != "0" else "1")
    upload(
        client,
        district,
        [
            [broken, "王五", "男", "1950-03-01", "", "", "", ""],
            [person_id(4), "赵六", "男", "1950-03-01", "123", "", "", ""],
            [person_id(5)[:10], "孙七", "", "", "", "", "", ""],
        ],
    )
    h = district.headers("steward")
    queue = client.get("/api/v1/quarantine", headers=h).json()
    assert queue["total"] == 3
    by_name = {i["raw"]["name"]: i for i in queue["items"]}
    assert by_name["王五"]["reasons"][0]["field"] == "id_number"

    fixed = client.post(
        f"/api/v1/quarantine/{by_name['王五']['id']}/fix", headers=h, json={"values": {"id_number": good}}
    )
    assert fixed.status_code == 200 and fixed.json()["status"] == "fixed"
    assert client.get(f"/api/v1/people/{good}", headers=h).json()["name"] == "王五"

    accepted = client.post(f"/api/v1/quarantine/{by_name['赵六']['id']}/accept", headers=h, json={})
    assert accepted.json()["status"] == "accepted"
    assert client.get(f"/api/v1/people/{person_id(4)}", headers=h).json()["phone"] is None

    refused = client.post(f"/api/v1/quarantine/{by_name['孙七']['id']}/accept", headers=h, json={})
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "id_number"
    rejected = client.post(f"/api/v1/quarantine/{by_name['孙七']['id']}/reject", headers=h, json={"reason": "查无此人"})
    assert rejected.json()["status"] == "rejected"
    assert client.get("/api/v1/quarantine", headers=h).json()["total"] == 0


def test_a_fix_that_still_breaks_a_rule_is_refused_and_the_item_stays_open(client, district):
    upload(client, district, [[person_id(6)[:17] + "Q", "王五", "男", "1950-03-01", "", "", "", ""]])
    h = district.headers("steward")
    item = client.get("/api/v1/quarantine", headers=h).json()["items"][0]
    r = client.post(f"/api/v1/quarantine/{item['id']}/fix", headers=h, json={"values": {"id_number": "1234"}})
    assert r.status_code == 422 and r.json()["error"]["field"] == "id_number"
    assert client.get(f"/api/v1/quarantine/{item['id']}", headers=h).json()["status"] == "open"


def test_a_person_is_shown_as_of_a_date_and_masked_for_roles_without_personal_data(client, district):
    pid = person_id(7)
    clock.set_now(datetime(2026, 1, 10, 9, 0))
    upload(client, district, [[pid, "张三", "男", "1950-03-01", "13800000001", "", "", ""]])
    clock.advance(timedelta(days=30))
    upload(client, district, [[pid, "张三", "男", "1950-03-01", "13900000002", "", "", ""]])
    h = district.headers("steward")
    assert client.get(f"/api/v1/people/{pid}", headers=h).json()["phone"] == "13900000002"
    then = client.get(f"/api/v1/people/{pid}", params={"as_of": "2026-01-20"}, headers=h).json()
    assert then["phone"] == "13800000001"
    before = client.get(f"/api/v1/people/{pid}", params={"as_of": "2025-12-31"}, headers=h)
    assert before.status_code == 404
    versions = client.get(f"/api/v1/people/{pid}/versions", headers=h).json()
    assert [v["changed_fields"] for v in versions] == [["phone"]]
    masked = client.get(f"/api/v1/people/{pid}", headers=district.headers("district_op")).json()
    assert masked["phone"] == "139****0002" and masked["id_number"] == pid[:6] + "********" + pid[-4:]
    # the birth date would give the hidden digits back: withheld beside a masked number, kept for the steward
    assert masked["birth_date"] is None
    assert client.get(f"/api/v1/people/{pid}", headers=h).json()["birth_date"] == "1950-03-01"
    listed = client.get("/api/v1/people", headers=district.headers("district_op")).json()
    assert listed and all(p["birth_date"] is None for p in listed)
    # the number in the body, not the URL
    body = client.post("/api/v1/people/lookup", json={"id_number": pid}, headers=district.headers("district_op"))
    assert body.status_code == 200 and body.json()["id_number"] == masked["id_number"]
    assert body.json()["birth_date"] is None
    then = client.post("/api/v1/people/lookup", json={"id_number": pid, "as_of": "2026-01-20"}, headers=h).json()
    assert then["phone"] == "13800000001"
    other = client.post("/api/v1/people/lookup", json={"id_number": pid}, headers=district.headers("street2_op"))
    assert other.status_code == 404
    bad = client.get(f"/api/v1/people/{pid}", params={"as_of": "yesterday"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "as_of"


def test_people_out_of_a_users_area_do_not_exist_for_them(client, district):
    pid = person_id(8)
    upload(client, district, [[pid, "张三", "男", "1950-03-01", "", "", "", ""]])  # no grid: district-level
    assert client.get(f"/api/v1/people/{pid}", headers=district.headers("street1_op")).status_code == 404
    assert client.get(f"/api/v1/people/{pid}", headers=district.headers("district_op")).status_code == 200
    assert client.get(f"/api/v1/people/{pid}").status_code == 401


def test_an_enterprise_is_read_by_credit_code(client, district):
    text = f"统一社会信用代码,企业名称,所属行业\n{credit_code(9)},杭州甲公司,零售业\n"
    r = client.post(
        "/api/v1/imports/enterprise", headers=district.headers("steward"), files={"file": ("e.csv", text.encode(), CSV)}
    )
    assert r.json()["accepted"] == 1
    got = client.get(f"/api/v1/enterprises/{credit_code(9).lower()}", headers=district.headers("district_op"))
    assert got.status_code == 200 and got.json()["industry"] == "零售业"


def test_a_layer_is_geojson_scoped_to_the_users_area(client, district, engine):
    now = clock.now()
    with engine.begin() as conn:
        for i, grid in enumerate((district.grids[0], district.grids[7])):
            lat, lng = district.centre(grid)
            conn.execute(
                places.insert().values(
                    id=f"P{i}",
                    layer="fire_safety_unit",
                    name=f"单位{i}",
                    lat=lat,
                    lng=lng,
                    grid_code=grid,
                    area_code=grid,
                    updated_at=now,
                )
            )
    mine = client.get("/api/v1/layers/fire_safety_unit.geojson", headers=district.headers("street1_op"))
    assert mine.status_code == 200 and mine.headers["content-type"].startswith("application/geo+json")
    features = mine.json()["features"]
    assert [f["id"] for f in features] == ["P0"] and features[0]["geometry"]["type"] == "Point"
    everything = client.get(
        "/api/v1/layers/fire_safety_unit.geojson",
        params={"area": district.streets[1]},
        headers=district.headers("admin"),
    ).json()
    assert [f["id"] for f in everything["features"]] == ["P1"]
    assert client.get("/api/v1/layers/nope.geojson", headers=district.headers("admin")).status_code == 404
    assert len(client.get("/api/v1/layers", headers=district.headers("admin")).json()) == 26
    _ = sa


def test_relations_are_stated_by_a_steward_and_derived_from_the_residence(client, district):
    from gridbrain.core.auth import find_user
    from gridbrain.core.db import UnitOfWork
    from gridbrain.registry import storage as svc
    from gridbrain.registry.model import HOUSE, PERSON

    pid = person_id(50)
    with UnitOfWork(client.app.state.engine) as uow:
        steward = find_user(uow, "steward")
        grid = district.grids[0]
        svc.upsert_batch(
            uow,
            HOUSE,
            [{"address_code": "H1", "address": "星河路1号", "grid_code": grid, "area_code": grid, "occupancy": "出租"}],
            source="import",
            actor=steward,
        )
        svc.upsert_batch(
            uow,
            PERSON,
            [
                {
                    "id_number": pid,
                    "name": "张三",
                    "sex": "M",
                    "birth_date": datetime(1950, 3, 1).date(),
                    "residence_address_code": "H1",
                    "grid_code": grid,
                    "area_code": grid,
                }
            ],
            source="import",
            actor=steward,
        )
        uow.commit()
    h = district.headers("steward")
    r = client.post(
        "/api/v1/relations",
        headers=h,
        json={"kind": "owns", "subject_kind": "person", "subject_key": pid, "object_kind": "house", "object_key": "H1"},
    )
    assert r.status_code == 201, r.text
    again = client.post(
        "/api/v1/relations",
        headers=h,
        json={"kind": "owns", "subject_kind": "person", "subject_key": pid, "object_kind": "house", "object_key": "H1"},
    )
    assert again.status_code == 409
    wrong = client.post(
        "/api/v1/relations",
        headers=h,
        json={
            "kind": "works_at",
            "subject_kind": "person",
            "subject_key": pid,
            "object_kind": "house",
            "object_key": "H1",
        },
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "object_kind"
    of_house = client.get("/api/v1/relations/house/H1", headers=h).json()
    assert sorted(x["kind"] for x in of_house) == ["lives_in", "owns"]
    masked = client.get("/api/v1/relations/house/H1", headers=district.headers("district_op")).json()
    assert all(x["subject_key"] != pid for x in masked)


def test_an_enterprise_is_shown_as_it_was_before_a_register_change(client, district):
    h = district.headers("steward")
    clock.set_now(datetime(2026, 2, 1, 9, 0))
    for status in ("存续", "注销"):
        text = f"统一社会信用代码,企业名称,经营状态\n{credit_code(11)},杭州乙公司,{status}\n"
        client.post("/api/v1/imports/enterprise", headers=h, files={"file": ("e.csv", text.encode(), CSV)},
                    data={"source": "market_supervision"})  # fmt: skip
        clock.advance(timedelta(days=10))
    now = client.get(f"/api/v1/enterprises/{credit_code(11)}", headers=h).json()
    then = client.get(f"/api/v1/enterprises/{credit_code(11)}", params={"as_of": "2026-02-05"}, headers=h).json()
    assert (now["status"], then["status"]) == ("注销", "存续")
    assert now["source"] == "market_supervision"


def test_a_grid_worker_confirms_a_task_through_the_api(client, district):
    from gridbrain.core.auth import find_user
    from gridbrain.core.db import UnitOfWork
    from gridbrain.registry import storage as svc
    from gridbrain.registry.model import PERSON

    pid = person_id(70)
    with UnitOfWork(client.app.state.engine) as uow:
        grid = district.grids[0]
        svc.upsert_batch(
            uow,
            PERSON,
            [
                {
                    "id_number": pid,
                    "name": "张三",
                    "sex": "M",
                    "phone": "13800000000",
                    "birth_date": datetime(1950, 3, 1).date(),
                    "grid_code": grid,
                    "area_code": grid,
                }
            ],
            source="import",
            actor=find_user(uow, "steward"),
        )
        uow.commit()
    h = district.headers("grid1_worker")
    assert client.post("/api/v1/verification/tasks/generate", headers=h, json={}).json() == {"created": 1}
    task = client.get("/api/v1/verification/tasks", headers=h).json()[0]
    assert task["held"]["phone"] == "13800000000"
    done = client.post(f"/api/v1/verification/tasks/{task['id']}/answer", headers=h, json={"changes": {}})
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    again = client.post(f"/api/v1/verification/tasks/{task['id']}/answer", headers=h, json={"changes": {}})
    assert again.status_code == 409
    assert "is confirmed" in again.json()["error"]["message"] and "allowed: none" in again.json()["error"]["message"]
    cov = client.get("/api/v1/verification/coverage", headers=h).json()
    assert cov == [{"grid_code": district.grids[0], "kind": "person", "total": 1, "verified": 1, "coverage": 1.0}]
    assert client.post("/api/v1/verification/tasks/generate", headers=district.headers("district_op"),
                       json={}).status_code == 403  # fmt: skip


REGISTRY_PATHS = ("/api/v1/people", "/api/v1/enterprises", "/api/v1/houses", "/api/v1/relations", "/api/v1/imports",
                  "/api/v1/quarantine", "/api/v1/verification", "/api/v1/reports", "/api/v1/layers")  # fmt: skip
BINARY = {"/api/v1/reports/templates/{code}/filled", "/api/v1/reports/queries/{query}"}


def test_every_registry_route_documents_the_shape_of_its_answer(client):
    doc = client.get("/openapi.json").json()
    seen = 0
    for path, item in doc["paths"].items():
        if not path.startswith(REGISTRY_PATHS):
            continue
        for method, op in item.items():
            seen += 1
            ok = next(v for k, v in op["responses"].items() if k.startswith("2"))
            content = ok.get("content", {})
            assert content, f"{method.upper()} {path} documents no answer"
            if path in BINARY:
                continue
            schema = next(iter(content.values())).get("schema", {})
            assert schema.get("$ref") or schema.get("items", {}).get("$ref"), f"{method.upper()} {path}: {schema}"
    assert seen >= 20


def test_a_layer_answers_geojson_with_its_media_type(client, district):
    answer = client.get("/api/v1/layers/rental_house.geojson", headers=district.headers("district_op"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/geo+json")
    assert answer.json()["type"] == "FeatureCollection"


def test_the_register_answer_shows_the_mapping_as_stored(client, district):
    from tests.registry.test_reports import readme_mapping, readme_template

    mapping = readme_mapping()
    answer = client.post(
        "/api/v1/reports/templates",
        headers=district.headers("steward"),
        files={"file": ("t.xlsx", readme_template())},
        data={"code": "readme", "name": "独居老人统计", "mapping": json.dumps(mapping, ensure_ascii=False)},
    )
    assert answer.status_code == 201, answer.text
    shown = answer.json()["mapping"]
    assert shown["cells"]["B3"] == {"query": "people_count", "params": {"tag": "独居老人"}}
    assert shown["tables"][0]["start"] == "A7" and shown["tables"][0]["overflow"] == "insert"
    listed = client.get("/api/v1/reports/templates", headers=district.headers("steward")).json()
    assert listed[0]["mapping"] == shown


def test_whole_personal_data_reads_are_logged_with_their_purpose_and_shown_to_the_steward(client, district):
    pid = person_id(8, born=date(1948, 5, 2), sex="F")
    up = upload(client, district, [[pid, "李四", "女", "1948-05-02", "13800000003", "", "", ""]])
    assert up.status_code in (200, 201) and up.json()["accepted"] == 1, up.text
    # roles that need whole values get them, and each read is logged with the purpose it gave
    admin = {**district.headers("admin"), "X-Purpose": quote("入户核查")}
    found = client.post("/api/v1/people/lookup", json={"id_number": pid}, headers=admin)
    assert found.status_code == 200 and found.json().get("phone") == "13800000003", found.text
    client.get("/api/v1/people", headers=district.headers("steward"))
    # a masked read gives nothing whole away and is not logged
    client.get(f"/api/v1/people/{pid}", headers=district.headers("district_op"))
    log = client.get("/api/v1/personal-data/reads", headers=district.headers("steward"))
    assert log.status_code == 200
    entries = log.json()
    by_actor = {e["actor"]: e for e in entries}
    assert "district_op" not in by_actor
    assert by_actor["steward"]["keys"] == [pid] and by_actor["steward"]["route"] == "GET /people"
    assert by_actor["steward"]["purpose"] == "data_steward work"
    assert by_actor["admin"]["purpose"] == "入户核查" and by_actor["admin"]["route"] == "POST /people/lookup"
    assert by_actor["admin"]["keys"] == [pid]
    assert client.get("/api/v1/personal-data/reads", headers=district.headers("district_op")).status_code == 403
