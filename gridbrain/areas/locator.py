"""Point → grid lookup over the grid polygons, through a shapely 2 STRtree.

Built once from the `areas` table and kept per engine; `invalidate()` after the tree changes.
A point on a boundary shared by two grids belongs to the grid with the smaller code, so every
point of the district has exactly one grid.
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass

import shapely
import sqlalchemy as sa
from shapely import STRtree
from shapely.geometry import Point, shape
from sqlalchemy.engine import Connection, Engine

from gridbrain.areas.tables import areas
from gridbrain.core.codes import AreaLevel


@dataclass(frozen=True)
class GridHit:
    grid_code: str
    name: str


class GridLocator:
    def __init__(self, codes: list[str], names: list[str], polygons: list[shapely.Geometry]) -> None:
        order = sorted(range(len(codes)), key=codes.__getitem__)
        self.codes = [codes[i] for i in order]
        self.names = [names[i] for i in order]
        self.polygons = [polygons[i] for i in order]
        for p in self.polygons:
            shapely.prepare(p)
        self.tree = STRtree(self.polygons)
        self.extent = shapely.union_all(self.polygons).envelope if self.polygons else None

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str, str]]) -> GridLocator:
        return cls([r[0] for r in rows], [r[1] for r in rows], [shape(json.loads(r[2])) for r in rows])

    def locate(self, lat: float, lng: float) -> GridHit | None:
        point = Point(lng, lat)
        hits = self.tree.query(point, predicate="intersects")  # intersects: boundaries count
        if len(hits) == 0:
            return None
        i = int(min(hits))  # indices follow sorted codes, so min index = smallest code
        return GridHit(self.codes[i], self.names[i])

    def locate_many(self, lats: list[float], lngs: list[float]) -> list[str | None]:
        points = shapely.points(lngs, lats)
        pairs = self.tree.query(points, predicate="intersects")
        best: dict[int, int] = {}
        for pi, gi in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            if pi not in best or gi < best[pi]:
                best[pi] = gi
        return [self.codes[best[i]] if i in best else None for i in range(len(lats))]


# keyed by the engine itself, weakly: a disposed engine's locator goes with it, and a new engine
# that happens to get the old one's id() never sees a stale locator
_cache: weakref.WeakKeyDictionary[Engine, GridLocator] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def locator_for(engine: Engine, conn: Connection | None = None) -> GridLocator:
    """The locator of this database, loaded on first use (through `conn` when given, so a
    caller inside a transaction never waits on itself)."""
    found = _cache.get(engine)
    if found is not None:
        return found
    with _lock:
        if engine not in _cache:
            q = sa.select(areas.c.code, areas.c.name, areas.c.geometry).where(
                areas.c.level == int(AreaLevel.GRID), areas.c.geometry.is_not(None)
            )
            if conn is not None:
                rows = conn.execute(q).all()
            else:
                with engine.connect() as own:
                    rows = own.execute(q).all()
            _cache[engine] = GridLocator.from_rows([tuple(r) for r in rows])
        return _cache[engine]


def invalidate(engine: Engine | None = None) -> None:
    with _lock:
        if engine is None:
            _cache.clear()
        else:
            _cache.pop(engine, None)
