"""The area API on both databases: scoping, locating, errors."""

from gridbrain.areas.model import wgs84_to_gcj02


def test_health_is_public(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_api_routes_need_a_user(client, district):
    r = client.get("/api/v1/areas")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_a_revoked_or_made_up_token_is_refused(client, district):
    r = client.get("/api/v1/areas", headers={"Authorization": "Bearer gb_not-a-token"})
    assert r.status_code == 401


def test_the_admin_sees_the_root_and_a_street_operator_sees_their_street(client, district):
    admin = client.get("/api/v1/areas", headers=district.headers("admin")).json()
    assert [a["code"] for a in admin] == ["330000000000"]
    mine = client.get("/api/v1/areas", headers=district.headers("street1_op")).json()
    assert [a["code"] for a in mine] == [district.streets[0]]


def test_an_area_comes_with_its_children_and_boundary(client, district):
    r = client.get(f"/api/v1/areas/{district.streets[0]}", headers=district.headers("street1_op"))
    assert r.status_code == 200
    body = r.json()
    assert body["level"] == "street"
    assert [c["code"] for c in body["children"]] == district.communities[:2]
    assert body["geometry"]["type"] == "Polygon"


def test_a_street_operator_asking_for_another_street_gets_404_not_the_data(client, district):
    r = client.get(f"/api/v1/areas/{district.streets[1]}", headers=district.headers("street1_op"))
    assert r.status_code == 404
    assert "geometry" not in r.text


def test_a_malformed_area_code_names_the_field(client, district):
    r = client.get("/api/v1/areas/12345", headers=district.headers("admin"))
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "code"


def test_locate_finds_the_grid_of_a_point(client, district):
    lat, lng = district.centre(district.grids[5])
    r = client.get("/api/v1/grids/locate", params={"lat": lat, "lng": lng}, headers=district.headers("admin"))
    assert r.status_code == 200
    body = r.json()
    assert body["grid_code"] == district.grids[5]
    assert body["community_code"] == district.communities[2]


def test_locate_converts_gcj02_before_looking(client, district):
    lat, lng = district.centre(district.grids[3])
    glat, glng = wgs84_to_gcj02(lat, lng)
    r = client.get(
        "/api/v1/grids/locate", params={"lat": glat, "lng": glng, "crs": "gcj02"}, headers=district.headers("admin")
    )
    assert r.json()["grid_code"] == district.grids[3]
    assert abs(r.json()["lat"] - lat) < 1e-5


def test_a_point_outside_the_district_gets_404_with_a_clear_message(client, district):
    r = client.get("/api/v1/grids/locate", params={"lat": 31.5, "lng": 121.0}, headers=district.headers("admin"))
    assert r.status_code == 404
    assert "outside the district" in r.json()["error"]["message"]


def test_malformed_coordinates_get_422_naming_the_field(client, district):
    h = district.headers("admin")
    r = client.get("/api/v1/grids/locate", params={"lat": "north", "lng": 120.0}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "lat"
    r = client.get("/api/v1/grids/locate", params={"lat": 30.4, "lng": 200}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "lng"
    r = client.get("/api/v1/grids/locate", params={"lat": 30.4, "lng": 120.0, "crs": "bd09"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "crs"


def test_a_grid_worker_cannot_locate_into_another_grid(client, district):
    lat, lng = district.centre(district.grids[1])
    r = client.get("/api/v1/grids/locate", params={"lat": lat, "lng": lng}, headers=district.headers("grid1_worker"))
    assert r.status_code == 404


def test_grid_geojson_is_limited_to_the_users_area(client, district):
    fc = client.get("/api/v1/grids.geojson", headers=district.headers("street2_op")).json()
    assert fc["type"] == "FeatureCollection"
    assert sorted(f["id"] for f in fc["features"]) == district.grids[4:]


def test_street_boundaries_come_as_features_of_the_street_level(client, district):
    fc = client.get("/api/v1/grids.geojson", params={"level": "street"}, headers=district.headers("district_op"))
    assert fc.status_code == 200, fc.text
    assert sorted(f["id"] for f in fc.json()["features"]) == sorted(district.streets)


def test_the_district_level_is_refused_for_boundaries_naming_the_field(client, district):
    r = client.get("/api/v1/grids.geojson", params={"level": "district"}, headers=district.headers("district_op"))
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "level"


def test_departments_of_a_street_include_those_above_that_serve_it(client, district):
    deps = client.get("/api/v1/departments", headers=district.headers("street1_op")).json()
    areas = {d["area_code"] for d in deps}
    assert district.streets[0] in areas and "330110000000" in areas and district.streets[1] not in areas
