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


class AddressesMixin(DistrictState):
    """Mixed into DemoDistrict; uses its rng, sink, counts and places."""

    # --- addresses --------------------------------------------------------------------------------

    def _code(self, level_digit: int, serial: int) -> str:
        return f"{DISTRICT6}{level_digit}{serial:09d}"

    def _prefix_of_grid(self, grid: str) -> str:
        assert self.geo is not None
        community = grid[:12]
        street = grid[:9] + "000"
        return f"{PREFIX}{self.geo.names[street]}{self.geo.names[community]}"

    def build_addresses(self) -> None:
        assert self.geo is not None
        geo, rng = self.geo, self.rng
        loc = locator.locator_for(self.engine)
        total_target = self.n(ADDRESSES)
        n_compounds = self.n(COMPOUNDS)
        stems = list(names.STEMS)

        # roads: a straight segment inside each street
        road_rows: list[tuple[Any, ...]] = []
        roads: list[tuple[str, str, float, float, float, float]] = []  # code, name, x0, y0, x1, y1
        used_names: set[str] = set()
        serial = 0
        for s_code in geo.streets:
            poly = next(r["geometry"] for r in geo.rows if r["code"] == s_code)
            pts = geography._sample_inside(poly, ROADS_PER_STREET * 2, rng)
            for k in range(ROADS_PER_STREET):
                name = self.py.choice(stems) + self.py.choice(names.ROAD_SUFFIX)
                while name in used_names:
                    name = self.py.choice(stems) + self.py.choice(names.ROAD_SUFFIX)
                used_names.add(name)
                x0, y0 = pts[2 * k]
                x1, y1 = pts[2 * k + 1]
                serial += 1
                code = self._code(1, serial)
                # a road is filed at its start, which lies inside its street (the middle may not)
                mx, my = x0, y0
                grid = loc.locate(my, mx)
                assert grid is not None
                roads.append((code, name, x0, y0, x1, y1))
                road_rows.append(
                    (
                        code,
                        None,
                        "road",
                        f"{PREFIX}{geo.names[s_code]}{name}",
                        name,
                        None,
                        None,
                        None,
                        None,
                        None,
                        grid.grid_code,
                        my,
                        mx,
                        h3.latlng_to_cell(my, mx, 9),
                        h3.latlng_to_cell(my, mx, 11),
                    )
                )
        cols = list(addresses.c.keys())
        self.counts.addresses += self.sink.write(addresses, cols, road_rows)
        self.counts.by_level["road"] = len(road_rows)

        # door numbers along the roads (odd on one side, even on the other)
        rooms_per_compound = (
            BUILDINGS_PER_COMPOUND
            * UNITS_PER_BUILDING
            * ROOMS_PER_FLOOR
            * (sum(f * w for f, w in FLOORS) / sum(w for _, w in FLOORS))
        )
        n_doors = max(
            len(roads),
            round(
                total_target
                - n_compounds * (1 + BUILDINGS_PER_COMPOUND * (1 + UNITS_PER_BUILDING))
                - n_compounds * rooms_per_compound
                - len(roads)
            ),
        )
        per_road = rng.multinomial(n_doors, np.full(len(roads), 1 / len(roads)))
        door_rows: list[tuple[Any, ...]] = []
        xs, ys, meta = [], [], []
        for (rcode, rname, x0, y0, x1, y1), k in zip(roads, per_road, strict=True):
            dx, dy = x1 - x0, y1 - y0
            length = math.hypot(dx, dy) or 1e-9
            nx, ny = -dy / length * 0.0002, dx / length * 0.0002  # ~20 m to either side
            # numbers grow by uneven steps, odd on one side and even on the other (1, 7, 23... / 2, 10, 36...)
            steps = rng.integers(1, 9, int(k)) * 2
            last = [-1, 0]
            for j in range(int(k)):
                t = (j // 2 + 0.5) / max(1, (k + 1) // 2)
                side = j % 2
                last[side] += int(steps[j]) if j >= 2 else 2
                xs.append(x0 + dx * t + (1 if side == 0 else -1) * nx)
                ys.append(y0 + dy * t + (1 if side == 0 else -1) * ny)
                meta.append((rcode, rname, last[side]))
        grids = loc.locate_many(ys, xs)
        for door_serial, ((rcode, rname, number), x, y, g) in enumerate(zip(meta, xs, ys, grids, strict=True), 1):
            if g is None:  # the segment left the district: put the door at the road's start
                r = next(r for r in roads if r[0] == rcode)
                x, y = r[2], r[3]
                g = loc.locate(y, x).grid_code  # type: ignore[union-attr]
            code = self._code(2, door_serial)
            num = f"{number}号"
            text = f"{self._prefix_of_grid(g)}{rname}{num}"
            self.doors.add(code, text, g, y, x)
            self.door_road.append(rname)
            self.door_number.append(num)
            door_rows.append(
                (
                    code,
                    rcode,
                    "door",
                    text,
                    rname,
                    num,
                    None,
                    None,
                    None,
                    None,
                    g,
                    y,
                    x,
                    h3.latlng_to_cell(y, x, 9),
                    h3.latlng_to_cell(y, x, 11),
                )
            )
        self.counts.addresses += self.sink.write(
            addresses,
            cols,
            door_rows,
            on_batch=lambda b: self.progress("addresses", len(self.doors), n_doors),
        )
        self.counts.by_level["door"] = len(door_rows)
        del door_rows

        # compounds at some doors, with buildings, units and rooms
        gates = rng.choice(len(self.doors), size=min(n_compounds, len(self.doors)), replace=False)
        compound_names: set[str] = set()
        comp_rows, b_rows, alias_rows = [], [], []
        b_meta: list[tuple[int, int]] = []  # (units, floors) per building
        b_serial = 0
        for c_serial, gate in enumerate(gates.tolist(), 1):
            while True:
                cname = (
                    self.py.choice(names.COMPOUND_PREFIX)
                    + self.py.choice(stems)
                    + self.py.choice(names.COMPOUND_SUFFIX)
                )
                if cname not in compound_names:
                    compound_names.add(cname)
                    break
            ccode = self._code(3, c_serial)
            gy, gx = self.doors.lat[gate], self.doors.lng[gate]
            angle = rng.uniform(0, 2 * math.pi)
            cx, cy = gx + math.cos(angle) * 0.0012, gy + math.sin(angle) * 0.0009
            cgrid = loc.locate(cy, cx)
            gate_grid = self.doors.grids[gate]
            # the compound belongs to the community its gate's address names
            if cgrid is None or cgrid.grid_code[:12] != gate_grid[:12]:
                cx, cy, cg = gx, gy, gate_grid
            else:
                cg = cgrid.grid_code
            door_text = self.doors.texts[gate]
            ctext = f"{door_text}{cname}"
            comp_rows.append(
                (
                    ccode,
                    self.doors.codes[gate],
                    "compound",
                    ctext,
                    self.door_road[gate],
                    self.door_number[gate],
                    cname,
                    None,
                    None,
                    None,
                    cg,
                    cy,
                    cx,
                    h3.latlng_to_cell(cy, cx, 9),
                    h3.latlng_to_cell(cy, cx, 11),
                )
            )
            alias_rows.append((ccode, cname, "compound"))
            n_b = max(2, int(rng.poisson(BUILDINGS_PER_COMPOUND)))
            bxs = cx + rng.uniform(-0.0015, 0.0015, n_b)
            bys = cy + rng.uniform(-0.0011, 0.0011, n_b)
            bgrids = loc.locate_many(bys.tolist(), bxs.tolist())
            floors = np.array([f for f, _ in FLOORS])[_weighted(rng, FLOORS, n_b)]
            for b in range(n_b):
                b_serial += 1
                bcode = self._code(4, b_serial)
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
                b_rows.append(
                    (
                        bcode,
                        ccode,
                        "building",
                        btext,
                        comp_rows[-1][4],
                        comp_rows[-1][5],
                        cname,
                        f"{b + 1}幢",
                        None,
                        None,
                        bg,
                        by,
                        bx,
                        h3.latlng_to_cell(by, bx, 9),
                        h3.latlng_to_cell(by, bx, 11),
                    )
                )
        self.counts.addresses += self.sink.write(addresses, cols, comp_rows)
        self.counts.by_level["compound"] = len(comp_rows)
        alias_rows += self._poi_and_former_aliases(roads, used_names)
        self.sink.write(address_aliases, ["address_code", "alias", "kind"], alias_rows)
        self.counts.addresses += self.sink.write(addresses, cols, b_rows)
        self.counts.by_level["building"] = len(b_rows)
        del comp_rows, alias_rows

        # units and rooms, streamed
        units_total = sum(u for u, _ in b_meta)
        rooms_total = sum(u * f * ROOMS_PER_FLOOR for u, f in b_meta)
        self.room_building = np.empty(rooms_total, dtype=np.int32)
        self.room_unit = np.empty(rooms_total, dtype=np.int8)
        self.room_floor = np.empty(rooms_total, dtype=np.int8)
        self.room_no = np.empty(rooms_total, dtype=np.int8)

        def unit_rows() -> Iterator[tuple[Any, ...]]:
            serial = 0
            for bi, (units, _floors) in enumerate(b_meta):
                row = b_rows[bi]
                for u in range(1, units + 1):
                    serial += 1
                    yield (
                        self._code(5, serial),
                        row[0],
                        "unit",
                        f"{row[3]}{u}单元",
                        row[4],
                        row[5],
                        row[6],
                        row[7],
                        f"{u}单元",
                        None,
                        row[10],
                        row[11],
                        row[12],
                        row[13],
                        row[14],
                    )

        def room_rows() -> Iterator[tuple[Any, ...]]:
            serial = 0
            unit_serial = 0
            for bi, (units, floors_n) in enumerate(b_meta):
                row = b_rows[bi]
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
                            yield (
                                self._code(6, serial),
                                ucode,
                                "room",
                                f"{row[3]}{u}单元{room}",
                                row[4],
                                row[5],
                                row[6],
                                row[7],
                                f"{u}单元",
                                room,
                                row[10],
                                row[11],
                                row[12],
                                row[13],
                                row[14],
                            )

        self.counts.addresses += self.sink.write(addresses, cols, unit_rows())
        self.counts.by_level["unit"] = units_total
        tick = _ticker(self.progress, "addresses", self.counts.addresses + rooms_total, start=self.counts.addresses)
        self.counts.addresses += self.sink.write(addresses, cols, room_rows(), on_batch=tick)
        self.counts.by_level["room"] = rooms_total

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
