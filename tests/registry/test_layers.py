"""Layers placed where things are (以图管网): coordinates decide the grid, the address is checked
against them, and a place without coordinates takes its address's."""

from gridbrain.core import auth
from gridbrain.registry import importer, layers, quarantine
from gridbrain.registry.model import AddressHit, place_point
from tests.registry.helpers import FakeMatcher, write_csv

HEADER = ["编号", "图层", "名称", "地址", "纬度", "经度"]
LAYER = "fire_safety_unit"


class Silent:
    def digest(self, subject, body):
        pass


def import_places(uow, tmp_path, district, rows):
    steward = auth.find_user(uow, "steward")
    known = {"五常大道1号": ("ADDR-W1", district.grids[0])}  # an address in the first street's first grid
    return importer.import_file(uow, steward, "place", write_csv(tmp_path / "p.csv", rows, HEADER),
                                matcher=FakeMatcher(known), notifier=Silent())  # fmt: skip


def ids_in(uow, user, area):
    found = layers.layer_geojson(uow, auth.find_user(uow, user), LAYER, area)
    return {f["id"]: f for f in found["features"]}


def test_a_place_whose_coordinates_lie_elsewhere_than_its_address_goes_to_the_stewards_queue(district, uow, tmp_path):
    lat, lng = district.centre(district.grids[4])  # in the other street
    result = import_places(uow, tmp_path, district, [["P1", LAYER, "加油站", "五常大道1号", lat, lng]])
    assert result.quarantined == 1
    assert "P1" not in ids_in(uow, "admin", district.streets[0])  # not listed where its address says
    total, items = quarantine.list_items(uow, auth.find_user(uow, "steward"), kind="place")
    assert total == 1
    (reason,) = items[0]["reasons"]
    assert reason["field"] == "address"
    assert district.grids[0] in reason["rule"] and district.grids[4] in reason["rule"]


def test_a_steward_accepting_the_disagreement_places_the_place_by_its_coordinates(district, uow, tmp_path):
    lat, lng = district.centre(district.grids[4])
    import_places(uow, tmp_path, district, [["P1", LAYER, "加油站", "五常大道1号", lat, lng]])
    steward = auth.find_user(uow, "steward")
    _, items = quarantine.list_items(uow, steward, kind="place")
    quarantine.accept(uow, steward, items[0]["id"], "坐标经现场核实")
    assert "P1" in ids_in(uow, "street2_op", None)
    assert "P1" not in ids_in(uow, "street1_op", None)
    assert ids_in(uow, "admin", None)["P1"]["properties"]["grid_code"] == district.grids[4]


def test_a_place_with_coordinates_and_an_unknown_address_is_listed_in_the_grid_of_its_point(district, uow, tmp_path):
    lat, lng = district.centre(district.grids[1])
    result = import_places(uow, tmp_path, district, [["P2", LAYER, "小学", "无名路99号", lat, lng]])
    assert result.quarantined == 0
    feature = ids_in(uow, "street1_op", district.streets[0])["P2"]
    assert feature["properties"]["grid_code"] == district.grids[1]
    assert feature["geometry"]["coordinates"] == [lng, lat]


def test_a_place_with_a_matched_address_and_no_coordinates_takes_the_addresss_point(district, uow, tmp_path):
    import_places(uow, tmp_path, district, [["P3", LAYER, "超市", "五常大道1号", "", ""]])
    feature = ids_in(uow, "street1_op", district.streets[0])["P3"]
    assert feature["properties"]["grid_code"] == district.grids[0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [120.0, 30.4]}  # the fake library's point


def test_a_place_whose_coordinates_agree_with_its_address_is_listed_there(district, uow, tmp_path):
    lat, lng = district.centre(district.grids[0])
    result = import_places(uow, tmp_path, district, [["P4", LAYER, "酒店", "五常大道1号", lat, lng]])
    assert result.quarantined == 0
    assert ids_in(uow, "street1_op", None)["P4"]["properties"]["address_code"] == "ADDR-W1"


def test_the_point_decides_and_a_disagreeing_address_is_a_problem_without_a_database():
    hit = AddressHit("A1", "G1", 30.0, 120.0)
    placed = place_point(hit=hit, has_address=True, point=(30.1, 120.1), point_grid="G2", fallback_area="S")
    assert placed.problem is not None and placed.problem.field == "address" and placed.grid_code == "G2"
    trusted = place_point(hit=hit, has_address=True, point=(30.1, 120.1), point_grid="G2", fallback_area="S",
                          trust_point=True)  # fmt: skip
    assert trusted.problem is None and trusted.grid_code == "G2" and trusted.address_code == "A1"


def test_without_coordinates_the_address_gives_grid_and_point_and_without_either_the_area_remains():
    hit = AddressHit("A1", "G1", 30.0, 120.0)
    by_address = place_point(hit=hit, has_address=True, point=None, point_grid=None, fallback_area="S")
    got = (by_address.grid_code, by_address.lat, by_address.lng, by_address.address_match)
    assert got == ("G1", 30.0, 120.0, "matched")
    nowhere = place_point(hit=None, has_address=True, point=None, point_grid=None, fallback_area="S")
    assert (nowhere.grid_code, nowhere.area_code, nowhere.address_match) == (None, "S", "unmatched")


def test_a_point_outside_every_grid_is_a_problem():
    outside = place_point(hit=None, has_address=False, point=(0.0, 0.0), point_grid=None, fallback_area="S")
    assert outside.problem is not None and outside.problem.field == "lat"
