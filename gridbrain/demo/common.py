"""Shared pieces of the demo generator: seed-scale figures, sampling helpers, place lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from gridbrain.demo import names

if TYPE_CHECKING:
    import random

    from sqlalchemy.engine import Engine

    from gridbrain.demo.geography import Geography
    from gridbrain.demo.sink import Sink

DISTRICT6 = names.DISTRICT[0][:6]
PREFIX = "浙江省杭州市余杭区"
DEMO_PASSWORD = "demo12345"  # noqa: S105 - the published password of the demo accounts

# seed-scale figures (scale 1.0)
ADDRESSES, PEOPLE, ENTERPRISES, DEVICES, EVENTS = 1_770_000, 3_280_000, 260_000, 71_000, 1_320_000
COMPOUNDS, BUILDINGS_PER_COMPOUND, UNITS_PER_BUILDING, ROOMS_PER_FLOOR = 3_000, 13, 2, 2
FLOORS = ((5, 20), (6, 35), (7, 10), (11, 15), (18, 12), (26, 8))
ROADS_PER_STREET = 35
HISTORY_YEARS = 5

Progress = Callable[[str, int, int], None]  # (table, done, total)


def _weighted(rng: np.random.Generator, table: tuple[tuple[Any, ...], ...], n: int, w_index: int = 1) -> np.ndarray:
    w = np.array([t[w_index] for t in table], dtype=float)
    return rng.choice(len(table), size=n, p=w / w.sum())


class _Places:
    """The points events, devices and enterprises are put on: door numbers and buildings."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.texts: list[str] = []
        self.grids: list[str] = []
        self.lat: list[float] = []
        self.lng: list[float] = []

    def add(self, code: str, text: str, grid: str, lat: float, lng: float) -> None:
        self.codes.append(code)
        self.texts.append(text)
        self.grids.append(grid)
        self.lat.append(lat)
        self.lng.append(lng)

    def __len__(self) -> int:
        return len(self.codes)


def _ticker(progress: Progress, table: str, total: int, start: int = 0) -> Callable[[int], None]:
    """An `on_batch` callback that reports `start` + rows written so far out of `total`."""
    done = [start]

    def tick(n: int) -> None:
        done[0] += n
        progress(table, done[0], total)

    return tick


@dataclass
class Counts:
    areas: int = 0
    departments: int = 0
    users: int = 0
    addresses: int = 0
    people: int = 0
    enterprises: int = 0
    devices: int = 0
    events: int = 0
    by_level: dict[str, int] = field(default_factory=dict)


class DistrictState:
    """What the generator's parts share (declared once, for the reader and the type checker)."""

    engine: Engine
    scale: float
    seed: int
    until: date
    progress: Progress
    sink: Sink
    counts: Counts
    rng: np.random.Generator
    py: random.Random
    geo: Geography | None
    doors: _Places
    buildings: _Places
    door_road: list[str]
    door_number: list[str]
    room_building: np.ndarray
    room_unit: np.ndarray
    room_floor: np.ndarray
    room_no: np.ndarray

    def n(self, base: int) -> int:
        """`base` at this district's scale (at least 1)."""
        return max(1, round(base * self.scale))

    def room_code(self, i: int) -> str:
        raise NotImplementedError

    def room_text(self, i: int) -> str:
        raise NotImplementedError
