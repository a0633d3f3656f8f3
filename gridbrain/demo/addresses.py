"""The demo address library: roads, door numbers, compounds, buildings, units and rooms."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import h3
import numpy as np

from gridbrain.addresses.tables import address_aliases, addresses
from gridbrain.areas import locator
from gridbrain.demo import geography, names
from gridbrain.demo.common import (
    ADDRESSES,
    BUILDINGS_PER_COMPOUND,
    COMPOUNDS,
    DISTRICT6,
    FLOORS,
    PREFIX,
    ROADS_PER_STREET,
    ROOMS_PER_FLOOR,
    UNITS_PER_BUILDING,
    DistrictState,
    _ticker,
    _weighted,
)

Row = tuple[Any, ...]  # one row of `addresses`, in column order
Road = tuple[str, str, float, float, float, float]  # code, name, x0, y0, x1, y1
DoorMeta = tuple[str, str, int]  # road code, road name, door number
Alias = tuple[str, str, str]  # address code, alias, kind
Parts = tuple[str | None, str | None, str | None, str | None, str | None]  # road, number, compound, building, unit


def _row(code: str, parent: str | None, level: str, text: str, parts: Parts, place: tuple[str, float, float]) -> Row:
    """An `addresses` row: the named parts (the room is never given here) and the place with its H3 cells."""
    road, number, compound, building, unit = parts
    grid, lat, lng = place
    return (
        code, parent, level, text, road, number, compound, building, unit, None, grid, lat, lng,
        h3.latlng_to_cell(lat, lng, 9), h3.latlng_to_cell(lat, lng, 11),
    )  # fmt: skip


class AddressesMixin(DistrictState):
    """Mixed into DemoDistrict; uses its rng, sink, counts and places."""

    _cols: list[str]  # the columns of `addresses`, in order

    # --- addresses --------------------------------------------------------------------------------

    def _code(self, level_digit: int, serial: int) -> str:
        return f"{DISTRICT6}{level_digit}{serial:09d}"

    def _prefix_of_grid(self, grid: str) -> str:
        assert self.geo is not None
        community = grid[:12]
        street = grid[:9] + "000"
        return f"{PREFIX}{self.geo.names[street]}{self.geo.names[community]}"

    def build_addresses(self) -> None:
        """Roads, door numbers along them, compounds at some doors, then buildings, units and rooms."""
        assert self.geo is not None
        loc = locator.locator_for(self.engine)
        self._cols = list(addresses.c.keys())
        roads, used_names = self._build_roads(loc)
        self._build_doors(loc, roads, self._door_count(len(roads)))
        comp_rows, b_rows, alias_rows, b_meta = self._build_compounds(loc)
        self._write(comp_rows, "compound")
        alias_rows += self._poi_and_former_aliases(roads, used_names)
        self.sink.write(address_aliases, ["address_code", "alias", "kind"], alias_rows)
        self._write(b_rows, "building")
        del comp_rows, alias_rows
        self._build_units_and_rooms(b_rows, b_meta)

    def _write(self, rows: list[Row], level: str) -> None:
        self.counts.addresses += self.sink.write(addresses, self._cols, rows)
        self.counts.by_level[level] = len(rows)

    def _build_roads(self, loc: locator.GridLocator) -> tuple[list[Road], set[str]]:
        """A straight segment inside each street, filed at its start (which lies inside its street)."""
        assert self.geo is not None
        geo = self.geo
        rows: list[Row] = []
        roads: list[Road] = []
        used_names: set[str] = set()
        for s_code in geo.streets:
            poly = next(r["geometry"] for r in geo.rows if r["code"] == s_code)
            pts = geography._sample_inside(poly, ROADS_PER_STREET * 2, self.rng)
            for k in range(ROADS_PER_STREET):
                name = self.py.choice(names.STEMS) + self.py.choice(names.ROAD_SUFFIX)
                while name in used_names:
                    name = self.py.choice(names.STEMS) + self.py.choice(names.ROAD_SUFFIX)
                used_names.add(name)
                (x0, y0), (x1, y1) = pts[2 * k], pts[2 * k + 1]
                code = self._code(1, len(roads) + 1)
                grid = loc.locate(y0, x0)
                assert grid is not None
                roads.append((code, name, x0, y0, x1, y1))
                text = f"{PREFIX}{geo.names[s_code]}{name}"
                rows.append(_row(code, None, "road", text, (name, None, None, None, None), (grid.grid_code, y0, x0)))
        self._write(rows, "road")
        return roads, used_names

    def _door_count(self, n_roads: int) -> int:
        """As many doors as the address target leaves after compounds, buildings, units and rooms."""
        n_compounds = self.n(COMPOUNDS)
        mean_floors = sum(f * w for f, w in FLOORS) / sum(w for _, w in FLOORS)
        rooms_per_compound = BUILDINGS_PER_COMPOUND * UNITS_PER_BUILDING * ROOMS_PER_FLOOR * mean_floors
        rest = (
            self.n(ADDRESSES)
            - n_compounds * (1 + BUILDINGS_PER_COMPOUND * (1 + UNITS_PER_BUILDING))
            - n_compounds * rooms_per_compound
            - n_roads
        )
        return max(n_roads, round(rest))

    def _door_points(self, roads: list[Road], n_doors: int) -> tuple[list[float], list[float], list[DoorMeta]]:
        """Numbers grow by uneven steps, odd on one side of the road and even on the other."""
        per_road = self.rng.multinomial(n_doors, np.full(len(roads), 1 / len(roads)))
        xs: list[float] = []
        ys: list[float] = []
        meta: list[DoorMeta] = []
        for (rcode, rname, x0, y0, x1, y1), k in zip(roads, per_road, strict=True):
            dx, dy = x1 - x0, y1 - y0
            length = math.hypot(dx, dy) or 1e-9
            nx, ny = -dy / length * 0.0002, dx / length * 0.0002  # ~20 m to either side
            steps = self.rng.integers(1, 9, int(k)) * 2
            last = [-1, 0]
            for j in range(int(k)):
                t = (j // 2 + 0.5) / max(1, (k + 1) // 2)
                side = j % 2
                last[side] += int(steps[j]) if j >= 2 else 2
                sign = 1 if side == 0 else -1
                xs.append(x0 + dx * t + sign * nx)
                ys.append(y0 + dy * t + sign * ny)
                meta.append((rcode, rname, last[side]))
        return xs, ys, meta

    def _build_doors(self, loc: locator.GridLocator, roads: list[Road], n_doors: int) -> None:
        """Door numbers along the roads."""
        xs, ys, meta = self._door_points(roads, n_doors)
        starts = {r[0]: (r[2], r[3]) for r in roads}
        rows: list[Row] = []
        grids = loc.locate_many(ys, xs)
        for door_serial, ((rcode, rname, number), x, y, g) in enumerate(zip(meta, xs, ys, grids, strict=True), 1):
            if g is None:  # the segment left the district: put the door at the road's start
                x, y = starts[rcode]
                g = loc.locate(y, x).grid_code  # type: ignore[union-attr]
            code = self._code(2, door_serial)
            num = f"{number}号"
            text = f"{self._prefix_of_grid(g)}{rname}{num}"
            self.doors.add(code, text, g, y, x)
            self.door_road.append(rname)
            self.door_number.append(num)
            rows.append(_row(code, rcode, "door", text, (rname, num, None, None, None), (g, y, x)))
        self.counts.addresses += self.sink.write(
            addresses, self._cols, rows, on_batch=lambda b: self.progress("addresses", len(self.doors), n_doors)
        )
        self.counts.by_level["door"] = len(rows)

    def _compound_name(self, taken: set[str]) -> str:
        while True:
            name = (
                self.py.choice(names.COMPOUND_PREFIX)
                + self.py.choice(names.STEMS)
                + self.py.choice(names.COMPOUND_SUFFIX)
            )
            if name not in taken:
                taken.add(name)
                return name

    def _build_compounds(
        self, loc: locator.GridLocator
    ) -> tuple[list[Row], list[Row], list[Alias], list[tuple[int, int]]]:
        """Compounds at some doors, each with its buildings; (units, floors) per building."""
        gates = self.rng.choice(len(self.doors), size=min(self.n(COMPOUNDS), len(self.doors)), replace=False)
        taken: set[str] = set()
        comp_rows: list[Row] = []
        b_rows: list[Row] = []
        alias_rows: list[Alias] = []
        b_meta: list[tuple[int, int]] = []
        for c_serial, gate in enumerate(gates.tolist(), 1):
            cname = self._compound_name(taken)
            ccode = self._code(3, c_serial)
            cx, cy, cg = self._compound_site(loc, gate)
            ctext = f"{self.doors.texts[gate]}{cname}"
            parts = (self.door_road[gate], self.door_number[gate], cname, None, None)
            comp_rows.append(_row(ccode, self.doors.codes[gate], "compound", ctext, parts, (cg, cy, cx)))
            alias_rows.append((ccode, cname, "compound"))
            self._add_buildings(loc, comp_rows[-1], b_rows, b_meta)
        return comp_rows, b_rows, alias_rows, b_meta

    def _compound_site(self, loc: locator.GridLocator, gate: int) -> tuple[float, float, str]:
        """Near its gate, in the community its gate's address names (else at the gate)."""
        gy, gx = self.doors.lat[gate], self.doors.lng[gate]
        angle = self.rng.uniform(0, 2 * math.pi)
        cx, cy = gx + math.cos(angle) * 0.0012, gy + math.sin(angle) * 0.0009
        cgrid = loc.locate(cy, cx)
        gate_grid = self.doors.grids[gate]
        if cgrid is None or cgrid.grid_code[:12] != gate_grid[:12]:
            return gx, gy, gate_grid
        return cx, cy, cgrid.grid_code

    def _add_buildings(
        self, loc: locator.GridLocator, compound: Row, b_rows: list[Row], b_meta: list[tuple[int, int]]
    ) -> None:
        ccode, ctext, cname, cg, cy, cx = (
            compound[0],
            compound[3],
            compound[6],
            compound[10],
            compound[11],
            compound[12],
        )
        rng = self.rng
        n_b = max(2, int(rng.poisson(BUILDINGS_PER_COMPOUND)))
        bxs = cx + rng.uniform(-0.0015, 0.0015, n_b)
        bys = cy + rng.uniform(-0.0011, 0.0011, n_b)
        bgrids = loc.locate_many(bys.tolist(), bxs.tolist())
        floors = np.array([f for f, _ in FLOORS])[_weighted(rng, FLOORS, n_b)]
        for b in range(n_b):
            bcode = self._code(4, len(b_rows) + 1)
            found = bgrids[b]
            # a building stays in its compound's community (its address names that community)
            if found is not None and found[:12] == cg[:12]:
                bx, by, bg = float(bxs[b]), float(bys[b]), found
            else:
                bx, by, bg = cx, cy, cg
            btext = f"{ctext}{b + 1}幢"
            units = int(rng.integers(1, UNITS_PER_BUILDING * 2))
            self.buildings.add(bcode, btext, bg, by, bx)
            b_meta.append((units, int(floors[b])))
            parts = (compound[4], compound[5], cname, f"{b + 1}幢", None)
            b_rows.append(_row(bcode, ccode, "building", btext, parts, (bg, by, bx)))

    def _build_units_and_rooms(self, b_rows: list[Row], b_meta: list[tuple[int, int]]) -> None:
        """Units and rooms, streamed; the room arrays remember where each room is."""
        units_total = sum(u for u, _ in b_meta)
        rooms_total = sum(u * f * ROOMS_PER_FLOOR for u, f in b_meta)
        self.room_building = np.empty(rooms_total, dtype=np.int32)
        self.room_unit = np.empty(rooms_total, dtype=np.int8)
        self.room_floor = np.empty(rooms_total, dtype=np.int8)
        self.room_no = np.empty(rooms_total, dtype=np.int8)
        self.counts.addresses += self.sink.write(addresses, self._cols, self._unit_rows(b_rows, b_meta))
        self.counts.by_level["unit"] = units_total
        tick = _ticker(self.progress, "addresses", self.counts.addresses + rooms_total, start=self.counts.addresses)
        self.counts.addresses += self.sink.write(addresses, self._cols, self._room_rows(b_rows, b_meta), on_batch=tick)
        self.counts.by_level["room"] = rooms_total

    def _unit_rows(self, b_rows: list[Row], b_meta: list[tuple[int, int]]) -> Iterator[Row]:
        serial = 0
        for row, (units, _floors) in zip(b_rows, b_meta, strict=True):
            for u in range(1, units + 1):
                serial += 1
                yield (
                    self._code(5, serial),
                    row[0],
                    "unit",
                    f"{row[3]}{u}单元",
                    *row[4:8],
                    f"{u}单元",
                    None,
                    *row[10:],
                )

    def _room_rows(self, b_rows: list[Row], b_meta: list[tuple[int, int]]) -> Iterator[Row]:
        serial = 0
        unit_serial = 0
        for bi, (row, (units, floors_n)) in enumerate(zip(b_rows, b_meta, strict=True)):
            for u in range(1, units + 1):
                unit_serial += 1
                ucode = self._code(5, unit_serial)
                for f in range(1, floors_n + 1):
                    for r in range(1, ROOMS_PER_FLOOR + 1):
                        self.room_building[serial] = bi
                        self.room_unit[serial] = u
                        self.room_floor[serial] = f
                        self.room_no[serial] = r
                        serial += 1
                        room = f"{f}{r:02d}室"
                        text = f"{row[3]}{u}单元{room}"
                        yield (self._code(6, serial), ucode, "room", text, *row[4:8], f"{u}单元", room, *row[10:])

    def room_code(self, i: int) -> str:
        return self._code(6, i + 1)

    def room_text(self, i: int) -> str:
        b = int(self.room_building[i])
        return f"{self.buildings.texts[b]}{self.room_unit[i]}单元{self.room_floor[i]}{self.room_no[i]:02d}室"

    def _poi_and_former_aliases(self, roads: list[tuple[Any, ...]], used: set[str]) -> list[tuple[str, str, str]]:
        """Well-known places (POI) standing for a door number, and former names of some roads."""
        rows: list[tuple[str, str, str]] = []
        taken = set(used)
        n_poi = max(10, round(len(self.doors) * 0.015))
        for d in self.rng.choice(len(self.doors), size=min(n_poi, len(self.doors)), replace=False).tolist():
            name = self.py.choice(names.STEMS) + self.py.choice(names.POI_KINDS)
            while name in taken:
                name = self.py.choice(names.STEMS) + self.py.choice(names.STEMS) + self.py.choice(names.POI_KINDS)
            taken.add(name)
            rows.append((self.doors.codes[d], name, "poi"))
        for code, *_ in roads[::10]:  # every tenth road was renamed once
            name = self.py.choice(names.STEMS) + self.py.choice(names.ROAD_SUFFIX)
            while name in taken:
                name = self.py.choice(names.STEMS) + self.py.choice(names.STEMS) + self.py.choice(names.ROAD_SUFFIX)
            taken.add(name)
            rows.append((code, name, "former"))
        return rows
