"""A larger test library than library.py, for the residents' set: 60 compounds with names drawn
(seeded) the way the demo district draws them, on 12 roads, each compound with two buildings of
one or two units and four rooms, and a few well-known places (POI aliases) at doors. Imported
through the import service, so it lands the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import random

from sqlalchemy.engine import Engine

from gridbrain.addresses import service
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.demo import names
from tests.addresses.library import Library, to_csv
from tests.factories import District

COMPOUNDS = 60
ROADS = 12


def town_rows(d: District, seed: int = 5) -> Library:
    rng = random.Random(seed)
    lib = Library()
    serial = [0]

    def add(level: str, parent: str | None, grid: str, aliases: str = "", **parts: str) -> str:
        serial[0] += 1
        code = f"T{serial[0]:06d}"
        w, s, e, n = d.boxes[grid]
        lib.rows.append(
            {
                "code": code,
                "parent_code": parent or "",
                "level": level,
                "grid_code": grid,
                "lat": f"{s + (n - s) * rng.uniform(0.2, 0.8):.6f}",
                "lng": f"{w + (e - w) * rng.uniform(0.2, 0.8):.6f}",
                "aliases": aliases,
                **parts,
            }
        )
        return code

    stems = list(names.STEMS)
    rng.shuffle(stems)
    road_names = [f"{stem}路" for stem in stems[:ROADS]]
    roads = {
        r: (add("road", None, d.grids[i % len(d.grids)], road=r), d.grids[i % len(d.grids)])
        for i, r in enumerate(road_names)
    }
    taken: set[str] = set(road_names)
    for k in range(COMPOUNDS):
        road = road_names[k % ROADS]
        number = f"{2 * k + 1}号"
        road_code, grid = roads[road]
        poi = ""
        if k % 10 == 3:
            place = rng.choice(stems[ROADS:]) + rng.choice(names.POI_KINDS)
            poi = "" if place in taken else f"poi:{place}"
            taken.add(place)
        door = add("door", road_code, grid, poi, road=road, number=number)
        while True:
            name = rng.choice(names.COMPOUND_PREFIX) + rng.choice(stems) + rng.choice(names.COMPOUND_SUFFIX)
            if name not in taken:
                taken.add(name)
                break
        parts = {"road": road, "number": number, "compound": name}
        c = add("compound", door, grid, **parts)
        for b in (1, 2):
            bc = add("building", c, grid, **parts, building=f"{b}幢")
            for u in range(1, rng.choice((2, 3))):
                uc = add("unit", bc, grid, **parts, building=f"{b}幢", unit=f"{u}单元")
                for room in ("101", "102", "201", "202"):
                    add("room", uc, grid, **parts, building=f"{b}幢", unit=f"{u}单元", room=f"{room}室")
    return lib


def build_town(engine: Engine, d: District) -> Library:
    lib = town_rows(d)
    with UnitOfWork(engine) as uow:
        report = service.import_text(uow, Actor.system("test"), to_csv(lib.rows))
    assert report.error_count == 0, report.errors
    return lib
