"""The matcher over the small test library (built in memory; test_storage.py builds it from both databases)."""

import pytest

from tests.addresses.library import memory_matcher

ROOM = "星河苑3-2-501"
_M, _LIB, _D = memory_matcher()


@pytest.fixture
def m():  # type: ignore[no-untyped-def]
    return _M


@pytest.fixture
def library():  # type: ignore[no-untyped-def]
    return _LIB


@pytest.fixture
def district():  # type: ignore[no-untyped-def]
    return _D


@pytest.mark.parametrize(
    "text",
    [
        "浙江省杭州市余杭区仓前街道仓前南社区星河路88号星河苑3幢2单元501室",
        "仓前街道仓前南社区星河路88号星河苑3幢2单元501室",
        "星河苑３栋二单元五零一",
        "星河苑三号楼2单501",
        "星河苑3-2-501",
        "星河苑3幢2-501室",
        "星河路88号3号楼2单元501",
        "星河苑3座2单元5楼01门口",
        "星河小区3幢2单元501",
        "我家住星河苑3幢2单元501，楼道里堆满杂物",
    ],
)
def test_messy_ways_of_writing_a_room_find_that_room(m, library, text):
    r = m.match(text)
    assert r.resolved, (text, r)
    assert (r.code, r.level) == (library.codes[ROOM], "room")
    assert r.score >= 0.95


def test_a_result_carries_grid_coordinates_h3_and_the_standard_text(m, library, district):
    r = m.match("星河苑3幢2单元501")
    assert r.grid_code == district.grids[0]
    w, s, e, n = district.boxes[district.grids[0]]
    assert s <= r.lat <= n and w <= r.lng <= e
    assert r.h3 is not None and len(r.h3) == 15
    assert r.text == "浙江省杭州市余杭区仓前街道仓前南社区星河路88号星河苑3幢2单元501室"


def test_a_one_character_typo_in_a_compound_name_is_forgiven_with_a_lower_score(m, library):
    r = m.match("星和苑3幢2单元501室")
    assert r.resolved and r.code == library.codes[ROOM]
    assert 0.7 <= r.score < 1.0


def test_a_complaint_around_a_door_number_lands_on_the_door(m, library):
    r = m.match("湖墅南路88号楼下有人乱扔垃圾")
    assert r.resolved and (r.code, r.level) == (library.codes["湖墅南路88号"], "door")


def test_numbered_road_names_in_chinese_numerals_find_their_door(m, library):
    r = m.match("文一路八十八号旁边")
    assert r.resolved and r.code == library.codes["文一路88号"]


def test_it_never_goes_deeper_than_the_text_supports(m, library):
    assert (m.match("星河苑").level, m.match("星河路").level, m.match("星河苑3幢").level) == (
        "compound",
        "road",
        "building",
    )


def test_a_room_without_its_unit_stops_at_the_building_and_offers_the_rooms(m, library):
    r = m.match("星河苑3幢501")
    assert r.resolved and (r.code, r.level) == (library.codes["星河苑3"], "building")
    assert {a.code for a in r.alternatives} == {library.codes["星河苑3-1-501"], library.codes["星河苑3-2-501"]}


def test_a_compound_name_held_twice_is_unresolved_with_both_as_candidates(m, library):
    r = m.match("金色家园1幢")
    assert not r.resolved and r.code is None
    assert {a.code for a in r.alternatives} >= {library.codes["金色家园1"], library.codes["良睦路20号金色家园1"]}


def test_the_street_or_the_door_written_with_a_shared_compound_name_decides(m, library):
    assert m.match("五常街道金色家园1幢").code == library.codes["良睦路20号金色家园1"]
    assert m.match("良睦路20号金色家园1幢").code == library.codes["良睦路20号金色家园1"]


def test_a_typo_that_fits_two_roads_is_not_guessed(m, library):
    r = m.match("文三路88号")
    assert not r.resolved


def test_text_without_any_known_name_is_unresolved(m, library):
    r = m.match("3幢2单元501室")
    assert not r.resolved and r.code is None and r.level is None


def test_a_missing_door_number_falls_back_to_the_road_with_a_lower_score(m, library):
    r = m.match("星河路999号")
    assert r.level == "road" and r.code == library.codes["星河路"] and r.score < 1.0


def test_well_known_places_and_former_names_stand_for_their_address(m, library):
    assert m.match("仓前市民中心门口").code == library.codes["良睦路18号"]
    assert m.match("星海路90号").code == library.codes["星河路90号"]


def test_a_scope_keeps_addresses_of_other_streets_out(m, library, district):
    assert m.match("湖墅南路88号", scope=district.streets[0][:9]).resolved is False
    assert m.match("湖墅南路88号", scope=district.streets[1][:9]).resolved is True


def test_match_many_answers_in_order(m, library):
    rs = m.match_many(["星河路", "星河苑"])
    assert [r.level for r in rs] == ["road", "compound"]


def test_the_nearest_addresses_to_a_point_come_closest_first(m, library):
    r = m.match("星河苑3幢")
    near = m.nearest(r.lat, r.lng, 3)
    assert m.code(near[0][0]) == library.codes["星河苑3"] and near[0][1] < 1.0
    assert [d for _, d in near] == sorted(d for _, d in near)


def test_a_compound_name_with_a_character_left_out_or_added_is_still_found(m, library):
    assert m.match("湖墅园3幢").code == library.codes["湖墅花园3"]
    assert m.match("湖墅花花园3幢").code == library.codes["湖墅花园3"]
    assert m.match("湖墅大花园3幢").code == library.codes["湖墅花园3"]


def test_an_ambiguous_answer_scores_below_the_threshold_even_when_each_reading_is_exact(m, library):
    r = m.match("金色家园1幢")
    assert not r.resolved and r.score < 0.7
    assert [a.score for a in r.alternatives[:2]] == [1.0, 1.0]
