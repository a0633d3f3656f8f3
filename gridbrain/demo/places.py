"""The demo district's houses (房) and places (物) on every one of the 26 map layers.

Houses: one per room (住宅: 自住, 出租 or 空置) and one per door number that holds a shop, a
restaurant or a workshop (商铺, 厂房). Places: per layer a count at seed scale (a district of
3.28 M people), multiplied by the scale (at least one per layer), each at a real door number or
building of the address library, with its coordinates, grid and address code; 出租房 and 群租房
follow from the rented houses. Deterministic for (seed, until): a random stream of its own, so
the rest of the district comes out as it did without places. Streamed through the demo's sink
(COPY on PostgreSQL).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

import numpy as np

from gridbrain.core.clock import CHINA
from gridbrain.demo import names
from gridbrain.demo.common import PREFIX, DistrictState, _ticker
from gridbrain.registry.tables import houses, places

# layer → (places at seed scale, anchored at a door number or a building, name patterns)
# A name pattern takes {stem} (a place-name stem) and {road} (the door's road).
LAYERS: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "fire_safety_unit": (5_000, "door", ("{stem}商贸城", "{stem}大厦物业", "{road}仓储中心")),
    "work_safety_unit": (6_000, "door", ("{stem}机械厂", "{stem}五金加工厂", "{stem}纺织厂")),
    "illegal_finance_risk": (250, "door", ("{stem}投资咨询有限公司", "{stem}财富管理中心")),
    "parcel_outlet": (2_200, "door", ("{road}快递驿站", "{stem}菜鸟驿站", "{stem}顺丰营业点")),
    "sensitive_goods_seller": (400, "door", ("{stem}化工经营部", "{stem}刀具店", "{road}五金店")),
    "non_commercial_housing": (300, "building", ("{stem}农居点", "{stem}安置房", "{stem}拆迁安置小区")),
    "training_institution": (2_400, "door", ("{stem}培训学校", "{stem}艺术培训中心", "{stem}教育")),
    "convenience_service": (9_000, "door", ("{stem}便利店", "{road}修锁配钥", "{stem}洗衣店")),
    "shop": (30_000, "door", ("{stem}服装店", "{stem}超市", "{road}水果店", "{stem}五金店")),
    "construction_site": (800, "door", ("{stem}地块建设工程", "{road}道路改造工程", "{stem}安置房项目")),
    "catering": (16_000, "door", ("{stem}面馆", "{stem}小吃店", "{road}川菜馆", "{stem}火锅店")),
    "hazardous_chemicals": (300, "door", ("{stem}化工有限公司", "{stem}气体充装站")),
    "school": (420, "door", ("杭州市余杭区{stem}小学", "杭州市余杭区{stem}中学", "余杭{stem}实验学校")),
    "kindergarten": (600, "door", ("{stem}幼儿园", "{stem}第二幼儿园")),
    "medical_institution": (1_500, "door", ("{stem}社区卫生服务站", "{stem}诊所", "{stem}口腔门诊部")),
    "elderly_care": (180, "door", ("{stem}颐养院", "{stem}居家养老服务照料中心")),
    "public_venue": (900, "door", ("{stem}KTV", "{stem}影城", "{stem}足浴店")),
    "hotel": (1_800, "door", ("{stem}宾馆", "{stem}商务酒店", "{road}民宿")),
    "internet_cafe": (300, "door", ("{stem}网吧", "{stem}网咖")),
    "market": (120, "door", ("{stem}农贸市场", "{stem}菜市场")),
    "gas_station": (160, "door", ("中国石化{stem}加油站", "中国石油{road}加油站", "{stem}加气站")),
    "religious_site": (90, "door", ("{stem}寺", "{stem}基督教堂")),
    "small_workshop": (2_500, "door", ("{stem}食品小作坊", "{stem}豆制品加工坊", "{stem}糕点作坊")),
    "key_location": (600, "door", ("{stem}变电站", "{stem}水厂", "{road}地铁站", "{stem}燃气调压站")),
}
OCCUPANCY = (("自住", 0.7), ("出租", 0.2), ("空置", 0.1))
GROUP_RENTAL_SHARE = 0.05  # of rented rooms, let to many tenants (群租房)
PREMISES = {"shop": "商铺", "catering": "商铺", "small_workshop": "厂房", "convenience_service": "商铺"}
ATTRIBUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "school": ("学段", ("小学", "初中", "九年一贯制")),
    "gas_station": ("品牌", ("中国石化", "中国石油", "中海油", "民营")),
    "hotel": ("星级", ("无", "经济型", "三星", "四星")),
    "medical_institution": ("类别", ("社区卫生服务站", "诊所", "门诊部")),
    "catering": ("规模", ("小型", "中型", "大型")),
}

HOUSE_COLUMNS = ["address_code", "address", "use", "occupancy", "grid_code", "area_code", "address_match",
                 "source", "updated_at"]  # fmt: skip
PLACE_COLUMNS = ["id", "layer", "name", "address", "address_code", "lat", "lng", "attributes", "grid_code",
                 "area_code", "address_match", "source", "updated_at"]  # fmt: skip


def build_places(d: DistrictState) -> None:
    """Houses for rooms and premises, and places on every map layer."""
    gen = _Places(d)
    d.sink.write(houses, HOUSE_COLUMNS, gen.houses(), on_batch=_ticker(d.progress, "houses", gen.house_total))
    d.sink.write(places, PLACE_COLUMNS, gen.places(), on_batch=_ticker(d.progress, "places", gen.place_total))


class _Places:
    def __init__(self, d: DistrictState) -> None:
        self.d = d
        self.rng = np.random.default_rng([d.seed, 26])
        self.py = random.Random(d.seed * 7919 + 26)
        self.now = datetime.combine(d.until, time(9), CHINA).astimezone(UTC)
        rooms = len(d.room_building)
        p = np.array([w for _, w in OCCUPANCY])
        self.occupancy = self.rng.choice(len(OCCUPANCY), size=rooms, p=p / p.sum())
        self.rented = np.flatnonzero(self.occupancy == 1)
        self.group = self.rented[self.rng.random(len(self.rented)) < GROUP_RENTAL_SHARE]
        # where each layer's places stand: a door number or a building, drawn once
        self.anchors: dict[str, np.ndarray] = {}
        for layer, (base, anchor, _) in LAYERS.items():
            pool = len(d.doors) if anchor == "door" else len(d.buildings)
            self.anchors[layer] = self.rng.integers(0, max(1, pool), d.n(base)) if pool else np.zeros(0, np.int64)
        self.premises: dict[int, str] = {}
        for layer, use in PREMISES.items():
            for door in self.anchors[layer].tolist():
                self.premises.setdefault(int(door), use)
        self.house_total = rooms + len(self.premises)
        self.place_total = len(self.rented) + len(self.group) + sum(len(a) for a in self.anchors.values())

    def houses(self) -> Iterator[tuple[Any, ...]]:
        d = self.d
        for r in range(len(d.room_building)):
            grid = d.buildings.grids[int(d.room_building[r])]
            occupancy = OCCUPANCY[int(self.occupancy[r])][0]
            yield (d.room_code(r), d.room_text(r), "住宅", occupancy, grid, grid, "matched", "demo", self.now)
        for door, use in sorted(self.premises.items()):
            grid = d.doors.grids[door]
            yield (d.doors.codes[door], d.doors.texts[door], use, None, grid, grid, "matched", "demo", self.now)

    def places(self) -> Iterator[tuple[Any, ...]]:
        d = self.d
        for layer, rooms in (("rental_house", self.rented), ("group_rental", self.group)):
            for r in rooms.tolist():
                b = int(d.room_building[r])
                text = d.room_text(r)
                name = ("群租房·" if layer == "group_rental" else "出租房·") + text.removeprefix(PREFIX)[-40:]
                yield self._row(f"{layer[:2].upper()}{d.room_code(r)}", layer, name, text, d.room_code(r),
                                d.buildings, b, None)  # fmt: skip
        for layer, (_, anchor, patterns) in LAYERS.items():
            at = d.doors if anchor == "door" else d.buildings
            for i, a in enumerate(self.anchors[layer].tolist()):
                road = d.door_road[a] if anchor == "door" else names.STEMS[a % len(names.STEMS)]
                name = self.py.choice(patterns).format(stem=self.py.choice(names.STEMS), road=road)
                code = f"{layer[:12]}-{i + 1:06d}"
                yield self._row(code, layer, name[:100], at.texts[a], at.codes[a], at, a, self._attributes(layer))

    def _row(  # noqa: PLR0913, PLR0917 - one place row's columns, from two kinds of anchor
        self, pid: str, layer: str, name: str, text: str, code: str, at: Any, i: int, attrs: dict[str, str] | None
    ) -> tuple[Any, ...]:
        grid = at.grids[i]
        return (pid, layer, name, text, code, at.lat[i], at.lng[i], attrs, grid, grid, "matched", "demo", self.now)

    def _attributes(self, layer: str) -> dict[str, str] | None:
        if layer not in ATTRIBUTES:
            return None
        key, values = ATTRIBUTES[layer]
        return {key: self.py.choice(values)}
