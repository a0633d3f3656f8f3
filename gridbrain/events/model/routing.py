"""Dispatch rules (派单): which level, the out-of-list filter (清单外事项下派过滤), the level an
escalation lands on, and the box a duplicate is looked for in. Pure: no storage, no web."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gridbrain.core.errors import Invalid
from gridbrain.core.levels import Level

# --- dispatch rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Routing:
    """Where an event goes: the level, the department type there, and why it moved up."""

    level: Level
    department_type: str
    filtered: bool = False  # the out-of-list filter lifted it off the grid


def route(
    level: Level | str,
    departments: Mapping[str, str],
    *,
    in_grid_list: bool,
    delegated: bool = False,
) -> Routing:
    """Apply the out-of-list filter (清单外事项下派过滤) to the catalog's level.

    A matter outside the grid workers' list never lands on a grid worker unless an approved
    delegation exists; it goes to the first level above that names a department."""
    lv = Level.parse(level)
    if lv == Level.GRID and not in_grid_list and not delegated:
        up = lv.above()
        while up is not None and up.value not in departments:
            up = up.above()
        if up is None:
            raise Invalid("level", "out-of-list matter has no department above the grid")
        return Routing(up, departments[up.value], filtered=True)
    if lv.value not in departments:
        raise Invalid("level", f"the matter names no department at {lv.value}")
    return Routing(lv, departments[lv.value])


@dataclass(frozen=True)
class Target:
    """Where an event is sent: the level, the concrete department, the area that handles it
    (scoping), the person (a grid's worker) and whether the out-of-list filter lifted it."""

    level: Level
    department_code: str
    area_code: str
    assignee: str | None = None
    filtered: bool = False


def escalation_level(current: Level | None, to_level: Level | None, named: Iterable[Level | str]) -> Level:
    """The level an escalation lands on: `to_level` (or the one above the current) must be above
    the current level; from there up, the first level the matter names a department at."""
    now = current or Level.GRID
    up = to_level or now.above()
    if up is None:
        raise Invalid("to_level", "above", f"nothing above {now.value}")
    if up.rank <= now.rank:
        raise Invalid("to_level", "above", f"{up.value} is not above {now.value}")
    names = {Level.parse(n) for n in named}
    level: Level | None = up
    while level is not None and level not in names:
        level = level.above()
    if level is None:
        raise Invalid("to_level", "department", f"the matter names no department above {now.value}")
    return level


def box_around(lat: float, lng: float, metres: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a square that holds the circle of `metres` around a point."""
    dlat = metres / 111_320.0
    dlng = metres / (111_320.0 * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lng - dlng, lat + dlat, lng + dlng
