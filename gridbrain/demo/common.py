"""Shared pieces of the demo generator: seed-scale figures, sampling helpers, place lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gridbrain.demo import names

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


def _ticker(progress: Progress, table: str, total: int) -> Callable[[int], None]:
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        progress(table, done[0], total)

    return tick
