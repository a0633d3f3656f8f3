from shapely.geometry import box

from gridbrain.areas.locator import GridLocator


def _two_grids() -> GridLocator:
    # west grid 001 and east grid 002 share the edge lng = 120.01
    return GridLocator(
        ["330110001001002", "330110001001001"],
        ["东网格", "西网格"],
        [box(120.01, 30.0, 120.02, 30.01), box(120.00, 30.0, 120.01, 30.01)],
    )


def test_a_point_inside_a_grid_is_found():
    assert _two_grids().locate(30.005, 120.015).grid_code == "330110001001002"


def test_a_point_on_a_shared_edge_belongs_to_the_grid_with_the_smaller_code():
    assert _two_grids().locate(30.005, 120.01).grid_code == "330110001001001"


def test_a_point_on_the_outer_boundary_is_inside():
    assert _two_grids().locate(30.0, 120.005).grid_code == "330110001001001"


def test_a_point_outside_every_grid_is_none():
    assert _two_grids().locate(30.02, 120.005) is None


def test_batch_location_agrees_with_one_by_one():
    loc = _two_grids()
    lats, lngs = [30.005, 30.005, 30.02, 30.0], [120.015, 120.01, 120.005, 120.02]
    assert loc.locate_many(lats, lngs) == [
        (h.grid_code if (h := loc.locate(a, b)) else None) for a, b in zip(lats, lngs, strict=True)
    ]
