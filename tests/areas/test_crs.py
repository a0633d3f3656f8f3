from hypothesis import given
from hypothesis import strategies as st

from gridbrain.areas.model import gcj02_to_wgs84, haversine_m, to_wgs84, wgs84_to_gcj02


def test_gcj02_shifts_a_hangzhou_point_by_a_few_hundred_metres():
    lat, lng = 30.2741, 120.1551
    glat, glng = wgs84_to_gcj02(lat, lng)
    assert 200 < haversine_m(lat, lng, glat, glng) < 800


@given(st.floats(18.0, 53.0), st.floats(74.0, 134.0))
def test_gcj02_round_trips_within_one_metre(lat, lng):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lng))
    assert haversine_m(lat, lng, *back) < 1.0


def test_points_outside_china_are_not_shifted():
    assert wgs84_to_gcj02(48.85, 2.35) == (48.85, 2.35)


def test_to_wgs84_refuses_an_unknown_crs():
    import pytest

    with pytest.raises(ValueError, match="unknown crs"):
        to_wgs84(30.0, 120.0, "bd09")
