"""The demo district generator: geography, validity, determinism, rhythm."""

import hashlib
from datetime import date

import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from shapely import STRtree

from gridbrain.addresses.tables import addresses
from gridbrain.areas.tables import areas
from gridbrain.core import codes
from gridbrain.core.db import make_engine
from gridbrain.demo import geography
from gridbrain.demo.generator import DemoDistrict, _day_weight
from gridbrain.events.tables import events
from gridbrain.migrate import upgrade
from gridbrain.registry.tables import enterprises, people

UNTIL = date(2026, 11, 20)


@pytest.fixture(scope="module")
def geo():
    return geography.build(7)


def test_the_district_has_seed_scale_geography(geo):
    assert (len(geo.streets), len(geo.communities), len(geo.grids)) == (18, 200, 1476)


def test_grid_codes_nest_under_their_community_and_street(geo):
    for g in geo.grids:
        assert codes.area_level(g) == codes.AreaLevel.GRID
        assert g[:12] in geo.communities
        assert g[:9] + "000" in geo.streets


def test_grids_tile_the_district_with_no_gaps_or_overlaps(geo):
    polys = [geo.grid_polygons[g] for g in geo.grids]
    district = geo.outline.area
    assert sum(p.area for p in polys) == pytest.approx(district, rel=1e-9)
    assert shapely.union_all(polys).symmetric_difference(geo.outline).area < district * 1e-9
    tree = STRtree(polys)
    left, right = tree.query(polys, predicate="intersects")
    pairs = [(a, b) for a, b in zip(left.tolist(), right.tolist(), strict=True) if a < b]
    assert pairs  # neighbours touch...
    overlap = sum(polys[a].intersection(polys[b]).area for a, b in pairs)
    assert overlap < district * 1e-9  # ...but never overlap


def test_streets_and_communities_are_unions_of_their_grids(geo):
    by_code = {r["code"]: r["geometry"] for r in geo.rows if "geometry" in r}
    for s in geo.streets[:3]:
        members = [geo.grid_polygons[g] for g in geo.grids if g.startswith(s[:9])]
        assert shapely.union_all(members).symmetric_difference(by_code[s]).area < 1e-12


def test_the_same_seed_gives_the_same_geography_and_another_seed_does_not(geo):
    again = geography.build(7)
    other = geography.build(8)
    assert [r["code"] for r in again.rows] == [r["code"] for r in geo.rows]
    assert all(again.grid_polygons[g].equals_exact(geo.grid_polygons[g], 0) for g in geo.grids)
    assert not other.grid_polygons[other.grids[0]].equals(geo.grid_polygons[geo.grids[0]])


def test_event_volume_follows_the_week_and_the_seasons():
    start = date(2021, 11, 20)
    assert _day_weight(date(2025, 7, 14), start) > _day_weight(date(2025, 7, 19), start)  # Monday > Saturday
    assert _day_weight(date(2025, 7, 15), start) > _day_weight(date(2025, 2, 18), start)  # July > February
    assert _day_weight(date(2025, 10, 2), start) < _day_weight(date(2025, 10, 9), start)  # National Day holiday


def _digest(engine, table, key):
    h = hashlib.sha256()
    with engine.connect() as conn:
        for row in conn.execute(sa.select(table).order_by(key)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny district, generated twice with the same seed into two SQLite files."""
    out = []
    for name in ("a", "b"):
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp(name) / 'demo.db'}")
        upgrade(engine)
        DemoDistrict(engine, scale=0.003, seed=11, until=UNTIL).build()
        out.append(engine)
    return out


def test_generation_is_deterministic_for_a_seed(tiny):
    a, b = tiny
    for table, key in ((addresses, addresses.c.code), (events, events.c.id), (enterprises, enterprises.c.uscc)):
        assert _digest(a, table, key) == _digest(b, table, key), table.name
    with a.connect() as ca, b.connect() as cb:
        q = sa.select(people.c.id_number, people.c.name, people.c.phone, people.c.residence_address_code).order_by(
            people.c.id_number
        )
        assert ca.execute(q).all() == cb.execute(q).all()


def test_every_id_number_and_credit_code_is_valid_and_unique(tiny):
    with tiny[0].connect() as conn:
        ids = conn.execute(sa.select(people.c.id_number)).scalars().all()
        usccs = conn.execute(sa.select(enterprises.c.uscc)).scalars().all()
    assert len(ids) == round(3_280_000 * 0.003) and len(set(ids)) == len(ids)
    assert all(codes.is_valid_id_number(i) for i in ids)
    assert len(usccs) == round(260_000 * 0.003) and len(set(usccs)) == len(usccs)
    assert all(codes.is_valid_uscc(u) for u in usccs)


def test_everything_lives_on_a_grid_of_the_district_and_a_real_address(tiny):
    with tiny[0].connect() as conn:
        grids = set(conn.execute(sa.select(areas.c.code).where(areas.c.level == 6)).scalars())
        addr = dict(conn.execute(sa.select(addresses.c.code, addresses.c.grid_code)).all())
        for table, col in (
            (people, people.c.residence_address_code),
            (enterprises, enterprises.c.operating_address_code),
            (events, events.c.address_code),
        ):
            rows = conn.execute(sa.select(col, table.c.grid_code)).all()
            assert rows
            assert all(r[0] in addr and r[1] in grids for r in rows), table.name
        living_alone = conn.execute(
            sa.select(people.c.birth_date, people.c.tags).where(people.c.tags.is_not(None))
        ).all()
    assert any("独居老人" in t for _, t in living_alone)
    assert all(date.today().year - b.year >= 64 for b, t in living_alone if "独居老人" in t)


def test_addresses_form_a_hierarchy_down_to_rooms(tiny):
    with tiny[0].connect() as conn:
        levels = dict(conn.execute(sa.select(addresses.c.level, sa.func.count()).group_by(addresses.c.level)).all())
        room = conn.execute(sa.select(addresses).where(addresses.c.level == "room").limit(1)).one()
        unit = conn.execute(sa.select(addresses).where(addresses.c.code == room.parent_code)).one()
        building = conn.execute(sa.select(addresses).where(addresses.c.code == unit.parent_code)).one()
    assert set(levels) == {"road", "door", "compound", "building", "unit", "room"}
    assert levels["room"] > levels["unit"] > levels["compound"]
    assert room.full_text.startswith(unit.full_text) and unit.full_text.startswith(building.full_text)
    assert room.full_text.startswith("浙江省杭州市余杭区") and room.full_text.endswith("室")
    assert room.h3_9 and room.h3_11


def test_history_spans_five_years_with_more_weekday_than_weekend_events(tiny):
    with tiny[0].connect() as conn:
        times = conn.execute(sa.select(events.c.reported_at)).scalars().all()
    assert (UNTIL - min(t.date() for t in times)).days > 365 * 4.5
    weekday = np.mean([t.weekday() < 5 for t in times])
    assert weekday > 5 / 7  # weekdays carry more than their share


def test_enterprise_names_stay_unique_far_beyond_the_plain_combinations():
    import random

    from gridbrain.demo import names
    from gridbrain.demo.population import _enterprise_name

    py, used = random.Random(3), set()
    words = names.INDUSTRIES[0][2]
    for _ in range(100_000):  # more than one industry gets at seed scale, all with the same words
        name = _enterprise_name(py, words, used)
        assert name not in used
        used.add(name)
    assert all(n.endswith(("公司",)) for n in used)


def test_addresses_are_filed_in_the_community_and_street_their_text_names(tiny):
    from gridbrain.areas.tables import areas as area_table

    with tiny[0].connect() as conn:
        names = dict(conn.execute(sa.select(area_table.c.code, area_table.c.name)).all())
        rows = conn.execute(
            sa.select(addresses.c.level, addresses.c.full_text, addresses.c.grid_code).where(
                addresses.c.level.in_(("road", "door", "compound", "building", "room"))
            )
        ).all()
    for level, text, grid in rows:
        assert names[grid[:9] + "000"] in text, (level, text, grid)
        if level != "road":
            assert names[grid[:12]] in text, (level, text, grid)


def test_well_known_places_and_former_road_names_are_aliases(tiny):
    from gridbrain.addresses.tables import address_aliases

    with tiny[0].connect() as conn:
        kinds = dict(
            conn.execute(sa.select(address_aliases.c.kind, sa.func.count()).group_by(address_aliases.c.kind)).all()
        )
        poi = conn.execute(
            sa.select(address_aliases.c.alias, addresses.c.level)
            .join(addresses, addresses.c.code == address_aliases.c.address_code)
            .where(address_aliases.c.kind == "poi")
        ).all()
    assert set(kinds) == {"compound", "poi", "former"}
    assert all(level == "door" for _, level in poi)
