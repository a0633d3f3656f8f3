"""The demo population: people in households, and enterprises at door numbers and in buildings."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np

from gridbrain.core import codes
from gridbrain.core.clock import CHINA
from gridbrain.demo import names
from gridbrain.demo.common import DISTRICT6, ENTERPRISES, PEOPLE, DistrictState, _ticker, _weighted
from gridbrain.registry.tables import enterprises, people


class PopulationMixin(DistrictState):
    """Mixed into DemoDistrict; uses its rng, sink, counts and places."""

    # --- people -------------------------------------------------------------------------------------

    def build_people(self) -> None:
        """Households of 1-5 people in rooms in random order, until everybody is housed."""
        rng = self.rng
        total = self.n(PEOPLE)
        n_rooms = len(self.room_building)
        order = rng.permutation(n_rooms) if n_rooms else np.zeros(0, dtype=np.int64)
        draws = _PeopleDraws(
            region=_weighted(rng, names.BIRTH_REGIONS, total),
            surname=_weighted(rng, names.SURNAMES, total),
            male=rng.random(total) < 0.51,
            has_phone=rng.random(total) < 0.86,
            phone=rng.integers(0, 10**8, total),
            phone_head=_PHONE_HEADS[rng.integers(0, 30, total)],
            given1=rng.integers(0, 64, total),
            given2=rng.integers(-30, 64, total),  # negative: one-character given name
            tag=rng.random(total),
        )
        self.counts.people = self.sink.write(
            people,
            _PEOPLE_COLUMNS,
            self._people_rows(order, draws, total),
            on_batch=_ticker(self.progress, "people", total),
        )

    def _households(self, order: np.ndarray, total: int) -> Iterator[tuple[int, int]]:
        """(room, size) of each household; more people than rooms (tiny scales) share rooms."""
        housed = slot = 0
        n_rooms = len(order)
        while housed < total:
            if slot < n_rooms:
                room = int(order[slot])
                size = int(self.rng.choice(5, p=_HOUSEHOLD_P / _HOUSEHOLD_P.sum())) + 1
            else:
                room = int(order[slot % n_rooms]) if n_rooms else -1
                size = 1
            slot += 1
            size = min(size, total - housed)
            housed += size
            yield room, size

    def _people_rows(self, order: np.ndarray, draws: _PeopleDraws, total: int) -> Iterator[tuple[Any, ...]]:
        seq: dict[int, int] = {}  # people born the same day in the same region, for the ID number
        now = datetime.combine(self.until, time(9), CHINA).astimezone(UTC)
        i = 0
        for room, size in self._households(order, total):
            for k in range(size):
                yield (*self._person(draws, i, room, (size == 1, k < 2), seq), "demo", now)
                i += 1

    def _person(
        self, d: _PeopleDraws, i: int, room: int, alone_adult: tuple[bool, bool], seq: dict[int, int]
    ) -> tuple[Any, ...]:
        rng = self.rng
        alone, adult = alone_adult
        age = _age(rng, alone=alone, adult=adult)
        born = self.until - timedelta(days=age * 365 + int(rng.integers(0, 365)))
        male = bool(d.male[i])
        region = _REGIONS[int(d.region[i])]
        key = (int(d.region[i]) << 20) | (born.toordinal() - 690000) << 1 | male
        s = seq.get(key, 0)
        seq[key] = s + 1
        id_number = codes.make_id_number(region, born, s % 500, "M" if male else "F")
        name = _SURNAMES[int(d.surname[i])] + _given_name(male, int(d.given1[i]), int(d.given2[i]))
        phone = f"{d.phone_head[i]}{d.phone[i]:08d}" if d.has_phone[i] and age >= 12 else None
        tags = _tags(alone_elderly=alone and age >= 65, draw=float(d.tag[i]))
        grid, rcode, home = self._home(room)
        registered = (
            home
            if region == DISTRICT6
            else f"{_REGION_NAMES.get(region, '')}{self.py.choice(names.STEMS)}村{rng.integers(1, 200)}号"
        )
        return (id_number, name, "M" if male else "F", born, phone, registered, rcode, grid, tags or None)

    def _home(self, room: int) -> tuple[str | None, str | None, str | None]:
        """Grid, address code and address text of a room (-1: nowhere)."""
        if room < 0:
            return None, None, None
        return self.buildings.grids[int(self.room_building[room])], self.room_code(room), self.room_text(room)

    # --- enterprises -------------------------------------------------------------------------------

    def build_enterprises(self) -> None:
        rng = self.rng
        total = self.n(ENTERPRISES)
        ind = _weighted(rng, names.INDUSTRIES, total)
        status = _weighted(rng, names.ENTERPRISE_STATUS, total)
        at_door = rng.random(total) < 0.6
        doors = rng.integers(0, max(1, len(self.doors)), total)
        rooms = rng.integers(0, max(1, len(self.room_building)), total)
        elsewhere = rng.random(total)
        surnames = [s for s, _ in names.SURNAMES]
        # organisation-code bodies: a seeded permutation of 8-digit numbers, so every code is unique
        bodies = (rng.permutation(total) * 7919 + int(rng.integers(10**7))) % 10**8
        now = datetime.combine(self.until, time(9), CHINA).astimezone(UTC)
        used: set[str] = set()

        def rows() -> Iterator[tuple[Any, ...]]:
            for i in range(total):
                industry, _, words = names.INDUSTRIES[int(ind[i])]
                uscc = codes.make_uscc("9", "1", DISTRICT6, f"{int(bodies[i]):08d}")
                name = _enterprise_name(self.py, words, used)
                used.add(name)
                code, text, grid = self._workplace(bool(at_door[i]), int(doors[i]), int(rooms[i]))
                e = elsewhere[i]
                registered = (
                    text
                    if e > 0.06
                    else f"浙江省杭州市西湖区{self.py.choice(names.STEMS)}路{int(rng.integers(1, 500))}号"
                )
                tax = "330110000000" if e > 0.03 else self.py.choice(["330106000000", "330108000000", "330109000000"])
                est = self.until - timedelta(days=int(rng.exponential(2500)) % 11000)
                legal = surnames[int(rng.integers(len(surnames)))] + self.py.choice(
                    names.GIVEN_MALE + names.GIVEN_FEMALE
                )
                yield (
                    uscc,
                    name,
                    legal,
                    registered,
                    code,
                    grid,
                    industry,
                    names.ENTERPRISE_STATUS[int(status[i])][0],
                    tax,
                    est,
                    "demo",
                    now,
                )

        self.counts.enterprises = self.sink.write(
            enterprises, _ENTERPRISE_COLUMNS, rows(), on_batch=_ticker(self.progress, "enterprises", total)
        )

    def _workplace(self, at_door: bool, door: int, room: int) -> tuple[str | None, str | None, str | None]:
        """Address code, text and grid of where an enterprise operates: a door number or a room."""
        if at_door and len(self.doors):
            return self.doors.codes[door], self.doors.texts[door], self.doors.grids[door]
        if len(self.room_building):
            return self.room_code(room), self.room_text(room), self.buildings.grids[int(self.room_building[room])]
        return None, None, None


_ENTERPRISE_COLUMNS = [
    "uscc", "name", "legal_representative", "registered_address", "operating_address_code", "grid_code",
    "industry", "status", "tax_location", "established_on", "source", "updated_at",
]  # fmt: skip


_REGION_NAMES = {
    "330110": "浙江省杭州市余杭区",
    "330106": "浙江省杭州市西湖区",
    "330102": "浙江省杭州市上城区",
    "330105": "浙江省杭州市拱墅区",
    "330108": "浙江省杭州市滨江区",
    "330109": "浙江省杭州市萧山区",
    "330183": "浙江省杭州市富阳区",
    "330421": "浙江省嘉兴市嘉善县",
    "330681": "浙江省绍兴市诸暨市",
    "331081": "浙江省台州市温岭市",
    "340321": "安徽省蚌埠市怀远县",
    "341221": "安徽省阜阳市临泉县",
    "362330": "江西省上饶市鄱阳县",
    "411522": "河南省信阳市光山县",
    "422201": "湖北省孝感市孝南区",
    "511321": "四川省南充市南部县",
    "522422": "贵州省毕节市大方县",
    "430521": "湖南省邵阳市邵东市",
    "320923": "江苏省盐城市阜宁县",
    "370826": "山东省济宁市微山县",
}


def _enterprise_name(py: random.Random, words: tuple[str, ...], used: set[str]) -> str:
    """A unique enterprise name: 杭州荆山科技有限公司, 浙江梦想绿汀贸易有限责任公司, ...

    The plain shape has few combinations; collisions take longer shapes, and past a few tries a
    branch number, so that the loop always ends."""
    for attempt in range(12):
        stem = py.choice(names.STEMS) + (py.choice(names.STEMS) if attempt else "")
        name = f"{py.choice(names.ENTERPRISE_PREFIX)}{stem}{py.choice(words)}{py.choice(names.ENTERPRISE_SUFFIX)}"
        if name not in used:
            return name
    serial = 1
    while f"{name}第{serial}分公司" in used:
        serial += 1
    return f"{name}第{serial}分公司"


_PHONE_HEADS = np.array([
    130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 157, 158, 159, 166, 173, 176, 177,
    180, 181, 182, 183, 186, 187, 188, 189, 191, 199,
])  # fmt: skip
_PEOPLE_COLUMNS = [
    "id_number", "name", "sex", "birth_date", "phone", "registered_address", "residence_address_code",
    "grid_code", "tags", "source", "updated_at",
]  # fmt: skip
_HOUSEHOLD_P = np.array([22, 30, 28, 14, 6], dtype=float)  # households of 1-5 people (relative weights)


def _age(rng: np.random.Generator, *, alone: bool, adult: bool) -> int:
    """One living alone is of working age or elderly; in a household, two adults, then the young."""
    if alone:
        return int(rng.choice([int(rng.integers(20, 60)), int(rng.integers(65, 95))], p=[0.55, 0.45]))
    if adult:
        return int(rng.integers(25, 75))
    return int(rng.integers(0, 25))


def _given_name(male: bool, first: int, second: int) -> str:
    """One or two characters from the pool of the sex (`second` < 0: one character)."""
    pool = names.GIVEN_MALE if male else names.GIVEN_FEMALE
    given = pool[first % len(pool)]
    return given + pool[second % len(pool)] if second >= 0 else given


def _tags(*, alone_elderly: bool, draw: float) -> list[str]:
    tags = ["独居老人"] if alone_elderly else []
    if draw < 0.015:
        tags.append("残疾人")
    elif draw < 0.023:
        tags.append("低保")
    elif draw < 0.025:
        tags.append("重点人员")
    return tags


@dataclass(frozen=True)
class _PeopleDraws:
    """The per-person random draws, one array each, as long as the population."""

    region: np.ndarray
    surname: np.ndarray
    male: np.ndarray
    has_phone: np.ndarray
    phone: np.ndarray
    phone_head: np.ndarray
    given1: np.ndarray
    given2: np.ndarray
    tag: np.ndarray


_REGIONS = [r for r, _ in names.BIRTH_REGIONS]
_SURNAMES = [s for s, _ in names.SURNAMES]
