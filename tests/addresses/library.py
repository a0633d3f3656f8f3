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
