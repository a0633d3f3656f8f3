"""Address matching for the library's records: the standard address library's matcher behind a
small protocol, a cache in front of it, and the placing of one record by its address."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any, Protocol

from gridbrain.addresses.matcher import matcher_for
from gridbrain.areas.locator import locator_for
from gridbrain.core.db import UnitOfWork
from gridbrain.registry import model
from gridbrain.registry.model import AddressHit, Kind, Problem, RecordSpec


class AddressMatch(Protocol):
    @property
    def resolved(self) -> bool: ...
    @property
    def code(self) -> str | None: ...
    @property
    def grid_code(self) -> str | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lng(self) -> float | None: ...


class AddressMatcher(Protocol):
    def match(self, text: str) -> AddressMatch: ...


def default_matcher(uow: UnitOfWork) -> AddressMatcher:
    """The standard address library's matcher.

    Built through the caller's connection: on SQLite a second connection would wait for the
    caller's own write lock."""
    # building the matcher may set streaming options on the connection it is given
    # (Connection.execution_options changes the connection in place): keep ours as they were
    saved = uow.conn._execution_options
    try:
        matcher: AddressMatcher = matcher_for(uow.engine, uow.conn)
    finally:
        uow.conn._execution_options = saved
    return matcher


class GridFinder(Protocol):
    """Point → grid (`gridbrain.areas.locator.GridLocator`)."""

    def locate(self, lat: float, lng: float) -> Any: ...


def default_grids(uow: UnitOfWork) -> GridFinder:
    """The district's grid polygons, read through the caller's connection."""
    return locator_for(uow.engine, uow.conn)


class CachedMatcher:
    """Addresses repeat (a household shares one): remember the last few thousand answers."""

    def __init__(self, matcher: AddressMatcher | None, size: int = 50_000, *, grids: GridFinder | None = None) -> None:
        self.matcher = matcher
        self.grids = grids  # point → grid, for records placed by their coordinates
        self._lookup = lru_cache(maxsize=size)(self._match) if matcher is not None else None

    def _match(self, text: str) -> AddressHit | None:
        assert self.matcher is not None
        m = self.matcher.match(text)
        if m is None or not m.resolved or m.code is None:
            return None
        return AddressHit(m.code, m.grid_code, m.lat, m.lng)

    def hit(self, text: str) -> AddressHit | None:
        """What the library knows of the address; None when unmatched or no matcher is installed."""
        return self._lookup(text) if self._lookup is not None else None

    def locate(self, text: str) -> tuple[str | None, str | None]:
        """(address code, grid code); (None, None) when unmatched or no matcher is installed."""
        found = self.hit(text)
        return (found.code, found.grid_code) if found is not None else (None, None)

    @property
    def available(self) -> bool:
        return self.matcher is not None


def place_on_map(
    spec: RecordSpec,
    values: dict[str, Any],
    matcher: CachedMatcher,
    fallback_area: str | None,
    *,
    trust_point: bool = False,
) -> list[Problem]:
    """Match the record's address; keep the normalised text either way and say whether it
    matched. A place is placed by its coordinates when it has them (the matcher's `grids` find
    the point's grid), checked against its address (`model.place_point`). Answers what keeps
    the record from being filed."""
    if spec.address_field is None or spec.address_code_field is None:
        return []
    if spec.kind is Kind.PLACE:
        return _place(values, matcher, fallback_area, trust_point)
    text = values.get(spec.address_field)
    if text is None:
        values.setdefault("area_code", fallback_area)  # so the record stays in the importer's scope
        return _unfiled(spec, values)
    code, grid = matcher.locate(text)
    if code is not None:
        if spec.kind is Kind.HOUSE and values.get("address_code") not in (None, code):
            code = values["address_code"]  # the file's own code wins over a text match
        values[spec.address_code_field] = code
        values["grid_code"] = grid
        values["area_code"] = grid or fallback_area
        values["address_match"] = "matched"
    else:
        values.setdefault(spec.address_code_field, None)
        values["grid_code"] = None
        values["area_code"] = fallback_area
        values["address_match"] = "unmatched"
    return _unfiled(spec, values)


def _place(
    values: dict[str, Any], matcher: CachedMatcher, fallback_area: str | None, trust_point: bool
) -> list[Problem]:
    text = values.get("address")
    lat, lng = values.get("lat"), values.get("lng")
    point = (float(lat), float(lng)) if lat is not None and lng is not None else None
    hit = matcher.hit(text) if text is not None else None
    if point is not None and matcher.grids is None:  # no grids to check against: keep what was given
        placed = model.place_point(hit=hit, has_address=text is not None, point=None, point_grid=None,
                                   fallback_area=fallback_area)  # fmt: skip
        placed = replace(placed, lat=point[0], lng=point[1])
    else:
        found = matcher.grids.locate(*point) if point is not None and matcher.grids is not None else None
        placed = model.place_point(
            hit=hit, has_address=text is not None, point=point, point_grid=found.grid_code if found else None,
            fallback_area=fallback_area, trust_point=trust_point,
        )  # fmt: skip
    values.update(address_code=placed.address_code, grid_code=placed.grid_code, area_code=placed.area_code,
                  address_match=placed.address_match, lat=placed.lat, lng=placed.lng)  # fmt: skip
    return [placed.problem] if placed.problem is not None else []


def _unfiled(spec: RecordSpec, values: dict[str, Any]) -> list[Problem]:
    if spec.kind is Kind.HOUSE and not values.get("address_code"):
        return [Problem("address", "not matched to a standard address (the key)")]
    return []
