"""The demo district's houses and places: every one of the 26 layers has data, each place lies
in the grid of its point at a real address, and the same district gives the same places."""

from datetime import date

import pytest
import sqlalchemy as sa

from gridbrain.addresses.tables import addresses
from gridbrain.areas.locator import locator_for
from gridbrain.core import auth
from gridbrain.core.db import UnitOfWork
from gridbrain.demo.generator import DemoDistrict
from gridbrain.demo.places import _Places
from gridbrain.registry import layers
from gridbrain.registry.tables import houses, places


@pytest.mark.slow
def test_the_demo_fills_every_layer_with_places_at_real_addresses_in_the_grid_of_their_point(engine):
    district = DemoDistrict(engine, scale=0.001, seed=5, until=date(2026, 11, 20))
    district.build()
    with UnitOfWork(engine) as uow:
        by_layer = dict(uow.execute(sa.select(places.c.layer, sa.func.count()).group_by(places.c.layer)).all())
        assert set(by_layer) == set(layers.layers()) and min(by_layer.values()) >= 1
        rows = uow.execute(sa.select(places.c.lat, places.c.lng, places.c.grid_code, places.c.address_code)).all()
        known = set(uow.execute(sa.select(addresses.c.code)).scalars())
        grids = locator_for(engine, uow.conn)
        assert all(r.address_code in known for r in rows)
        assert all(grids.locate(r.lat, r.lng).grid_code == r.grid_code for r in rows[:: max(1, len(rows) // 300)])
        uses = dict(uow.execute(sa.select(houses.c.use, sa.func.count()).group_by(houses.c.use)).all())
        assert uses.get("住宅", 0) == len(district.room_building) and uses.get("商铺", 0) > 0
        school = layers.layer_geojson(uow, auth.find_user(uow, "admin"), "school")
        assert school["features"][0]["geometry"]["type"] == "Point"
        assert school["features"][0]["properties"]["name"].endswith(("小学", "中学", "学校"))
    again = _Places(district)
    assert list(again.places()) == list(_Places(district).places())  # the same district, the same places
