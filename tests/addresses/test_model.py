"""Address text rules, without storage: normalisation, numbers, the parts after a name, row checks."""

import pytest

from gridbrain.addresses.model import Level, check_row, cn_number, door_number, label_token, normalize, parse_tail


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("星河苑３栋二单元五零一", "星河苑3幢2单元501"),
        ("星河苑三号楼2单501", "星河苑3幢2单元501"),
        ("星河苑3座", "星河苑3幢"),
        ("3#楼5楼01", "3幢501室"),
        ("文一路八十八号", "文1路88号"),
        ("百合苑十二幢", "百合苑12幢"),
    ],
)
def test_the_ways_people_write_numbers_and_buildings_normalise_to_one_form(written, normal):
    assert normalize(written) == normal


@pytest.mark.parametrize(
    ("run", "value"),
    [
        ("八十八", "88"),
        ("五零一", "501"),
        ("五百零一", "501"),
        ("十", "10"),
        ("十二", "12"),
        ("二十", "20"),
        ("百", None),
    ],
)
def test_chinese_numerals_become_arabic_but_words_stay_words(run, value):
    assert cn_number(run) == value


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("3幢2单元501室", ("3", "2", "501", True)),
        ("3-2-501", ("3", "2", "501", True)),
        ("3幢2-501", ("3", "2", "501", True)),
        ("3幢2 501", ("3", "2", "501", True)),
        ("3幢501", ("3", None, "501", False)),
        ("3幢旁边", ("3", None, None, False)),
        ("小区3幢2单元", ("3", "2", None, True)),
    ],
)
def test_building_unit_and_room_are_read_in_every_written_form(text, parts):
    t = parse_tail(normalize(text), 0)
    assert (t.building, t.unit, t.room, t.unit_written) == parts


def test_a_door_number_followed_by_upstairs_is_still_a_door_number():
    s = normalize("湖墅南路88号楼下有人乱扔垃圾")
    assert door_number(s, len("湖墅南路")) == ("88", len("湖墅南路88幢"))
    assert parse_tail(s, len("湖墅南路88幢")).empty


def test_labels_reduce_to_their_number():
    assert [label_token(x) for x in ("88号", "3幢", "2单元", "501室", "88-1号", "A座")] == [
        "88",
        "3",
        "2",
        "501",
        "88-1",
        "A",
    ]


def test_levels_run_from_road_to_room():
    assert [lv.depth for lv in Level] == [1, 2, 3, 4, 5, 6]


def _row(**over):
    row = {
        "code": "A1",
        "parent_code": "P1",
        "level": "room",
        "room": "501室",
        "lat": "30.4",
        "lng": "120.0",
        "grid_code": "330110001001001",
        "full_text": "x",
    }
    return {**row, **over}


def test_a_good_row_has_no_problems():
    assert check_row(_row()) == []


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"level": "floor"}, "level"),
        ({"room": ""}, "room"),
        ({"parent_code": ""}, "parent_code"),
        ({"lat": "north"}, "lat"),
        ({"lng": "200"}, "lng"),
        ({"code": "has space"}, "code"),
        ({"grid_code": "12"}, "grid_code"),
    ],
)
def test_a_bad_row_names_the_field_it_breaks(over, field):
    assert field in [f for f, _ in check_row(_row(**over))]
