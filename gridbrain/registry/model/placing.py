"""Where a record goes on the map (以图管网). Pure.

A record is placed by what is known of it, most exact first:
- a place with coordinates lies in the grid its point falls in; its address, when it matched,
  must agree with that grid, and a disagreement goes to the steward's queue (quarantine)
  instead of listing the place in the wrong grid;
- a place (or any record) without coordinates takes its address's grid, and a place its
  address's coordinates too;
- with neither, it stays in the importer's area, without a grid.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridbrain.registry.model.checks import Problem


@dataclass(frozen=True)
class AddressHit:
    """What the standard address library knows of an address text that matched."""

    code: str
    grid_code: str | None
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class Placement:
    address_code: str | None
    grid_code: str | None
    area_code: str | None
    address_match: str | None  # matched | unmatched | None (no address given)
    lat: float | None = None
    lng: float | None = None
    problem: Problem | None = None


def place_point(
    *,
    hit: AddressHit | None,
    has_address: bool,
    point: tuple[float, float] | None,
    point_grid: str | None,
    fallback_area: str | None,
    trust_point: bool = False,
) -> Placement:
    """Place a record that may carry coordinates (`point`, lying in `point_grid`).

    `trust_point`: a steward has accepted the coordinates over the address (no disagreement)."""
    match = None if not has_address else ("matched" if hit is not None else "unmatched")
    code = hit.code if hit is not None else None
    if point is None:
        if hit is None:
            return Placement(code, None, fallback_area, match)
        return Placement(code, hit.grid_code, hit.grid_code or fallback_area, match, hit.lat, hit.lng)
    lat, lng = point
    if point_grid is None:
        problem = None if trust_point else Problem("lat", "the coordinates lie in no grid of the district")
        return Placement(code, None, fallback_area, match, lat, lng, problem)
    if hit is not None and hit.grid_code not in (None, point_grid) and not trust_point:
        rule = f"the address matched grid {hit.grid_code} but the coordinates lie in grid {point_grid}"
        return Placement(code, point_grid, point_grid, match, lat, lng, Problem("address", rule))
    return Placement(code, point_grid, point_grid, match, lat, lng)
