"""A small standard address library on the test district, built through the import service.

Roads 文一路 / 文二路 (numbered names, one character apart), 星河路, 湖墅南路, 良睦路; compounds
星河苑 (under 星河路88号), 湖墅花园 (湖墅南路88号), and 金色家园 twice (two streets); buildings
1-3 with units 1-2 and rooms 101-602; aliases: a POI, a former road name, a compound alias.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from gridbrain.addresses import service
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from tests.factories import District

COLUMNS = (
    "code",
    "parent_code",
    "level",
    "full_text",
    "road",
    "number",
    "compound",
    "building",
    "unit",
    "room",
    "grid_code",
    "lat",
    "lng",
    "aliases",
)


@dataclass
class Library:
    codes: dict[str, str] = field(default_factory=dict)  # short key -> code, e.g. "星河苑3-2-501"
    rows: list[dict[str, str]] = field(default_factory=list)


def library_rows(d: District) -> Library:
    lib = Library()
    serial = [0]

    def add(key: str, level: str, parent: str | None, grid: str, k: int, aliases: str = "", **parts: str) -> str:
        serial[0] += 1
        code = f"{grid}-{serial[0]:06d}"
        w, s, e, n = d.boxes[grid]
        lat = s + (n - s) * (0.2 + 0.6 * ((k * 37) % 100) / 100)
        lng = w + (e - w) * (0.2 + 0.6 * ((k * 61) % 100) / 100)
        lib.codes[key] = code
        lib.rows.append(
            {
                "code": code,
                "parent_code": parent or "",
                "level": level,
                "grid_code": grid,
                "lat": f"{lat:.6f}",
                "lng": f"{lng:.6f}",
                "aliases": aliases,
                **parts,
            }
        )
        return code

    def compound(name: str, road: str, number: str, door: str, grid: str, k: int, aliases: str = "") -> None:
        c = add(name, "compound", door, grid, k, aliases, road=road, number=number, compound=name)
        for b in range(1, 4):
            bc = add(
                f"{name}{b}", "building", c, grid, k + b, road=road, number=number, compound=name, building=f"{b}幢"
            )
            for u in range(1, 3):
                uc = add(
                    f"{name}{b}-{u}",
                    "unit",
                    bc,
                    grid,
                    k + b * 10 + u,
                    road=road,
                    number=number,
                    compound=name,
                    building=f"{b}幢",
                    unit=f"{u}单元",
                )
                for floor in range(1, 7):
                    for r in (1, 2):
                        room = f"{floor}0{r}"
                        add(
                            f"{name}{b}-{u}-{room}",
                            "room",
                            uc,
                            grid,
                            k + floor * 7 + r,
                            road=road,
                            number=number,
                            compound=name,
                            building=f"{b}幢",
                            unit=f"{u}单元",
                            room=f"{room}室",
                        )

    g = d.grids
    roads = [
        ("文一路", g[0]),
        ("文二路", g[1]),
        ("星河路", g[0]),
        ("湖墅南路", g[4]),
        ("良睦路", g[6]),
        ("金沙路", g[3]),
    ]
    road_codes = {}
    for i, (road, grid) in enumerate(roads):
        road_codes[road] = add(road, "road", None, grid, i, "former:星海路" if road == "星河路" else "", road=road)
    doors = [
        ("文一路", "88号"),
        ("文二路", "88号"),
        ("文一路", "90号"),
        ("星河路", "88号"),
        ("星河路", "90号"),
        ("湖墅南路", "88号"),
        ("良睦路", "18号"),
        ("金沙路", "6号"),
        ("良睦路", "20号"),
    ]
    for i, (road, number) in enumerate(doors):
        grid = dict(roads)[road]
        poi = "poi:仓前市民中心" if (road, number) == ("良睦路", "18号") else ""
        add(f"{road}{number}", "door", road_codes[road], grid, 10 + i, poi, road=road, number=number)
    compound("星河苑", "星河路", "88号", lib.codes["星河路88号"], g[0], 100, "compound:星河小区")
    compound("湖墅花园", "湖墅南路", "88号", lib.codes["湖墅南路88号"], g[4], 200)
    compound("金色家园", "金沙路", "6号", lib.codes["金沙路6号"], g[3], 300)
    # a second 金色家园, in the other street
    serial[0] += 0
    other = add(
        "良睦路20号金色家园",
        "compound",
        lib.codes["良睦路20号"],
        g[6],
        400,
        road="良睦路",
        number="20号",
        compound="金色家园",
    )
    add(
        "良睦路20号金色家园1",
        "building",
        other,
        g[6],
        401,
        road="良睦路",
        number="20号",
        compound="金色家园",
        building="1幢",
    )
    return lib


def to_csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in COLUMNS})
    return buf.getvalue()


def build_library(engine: Engine, d: District) -> Library:
    lib = library_rows(d)
    with UnitOfWork(engine) as uow:
        report = service.import_text(uow, Actor.system("test"), to_csv(lib.rows))
    assert report.error_count == 0, report.errors
    return lib


def fake_district() -> tuple[District, dict[str, str]]:
    """The codes, boxes and area names `tests.factories.build_district` makes, without a database
    (for tests of the matcher alone)."""
    from gridbrain.core.codes import child_code
    from tests.factories import CITY, DISTRICT, EAST, NORTH, PROVINCE, SOUTH, WEST

    d = District()
    names = {PROVINCE: "浙江省", CITY: "杭州市", DISTRICT: "余杭区"}
    mid_x, mid_y = (WEST + EAST) / 2, (SOUTH + NORTH) / 2
    for si, (w, e) in enumerate([(WEST, mid_x), (mid_x, EAST)], start=1):
        street = child_code(DISTRICT, si)
        d.streets.append(street)
        names[street] = ["仓前街道", "五常街道"][si - 1]
        for ci, (s, n) in enumerate([(SOUTH, mid_y), (mid_y, NORTH)], start=1):
            community = child_code(street, ci)
            d.communities.append(community)
            names[community] = f"{names[street][:2]}{'南北'[ci - 1]}社区"
            gx = (w + e) / 2
            for gi, (gw, ge) in enumerate([(w, gx), (gx, e)], start=1):
                grid = child_code(community, gi)
                d.grids.append(grid)
                d.boxes[grid] = (gw, s, ge, n)
                names[grid] = f"第{gi}网格"
    return d, names


def memory_matcher():  # type: ignore[no-untyped-def]
    """The matcher of the test library, built straight from its rows: (matcher, library, district)."""
    from gridbrain.addresses.index import IndexBuilder
    from gridbrain.addresses.matching import Matcher
    from gridbrain.addresses.model import compose_text
    from gridbrain.core.codes import area_level

    d, names = fake_district()
    lib = library_rows(d)
    b = IndexBuilder(Matcher())
    for code, name in names.items():
        b.add_area(code, name, int(area_level(code)))
    order = ("road", "door", "compound", "building", "unit", "room")
    for r in sorted(lib.rows, key=lambda r: order.index(r["level"])):
        g = r["grid_code"]
        text = compose_text([names[g[:n].ljust(12, "0")] for n in (2, 4, 6, 9, 12)], r)
        b.add_row(
            r["code"],
            r["parent_code"] or None,
            r["level"],
            text,
            *(r.get(p) or None for p in ("road", "number", "compound", "building", "unit", "room")),
            g,
            float(r["lat"]),
            float(r["lng"]),
        )
    for r in lib.rows:
        for alias in filter(None, r["aliases"].split("|")):
            kind, text = alias.split(":", 1)
            b.add_alias(r["code"], text, kind)
    return b.finish(), lib, d
