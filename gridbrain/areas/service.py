"""Use cases of the area tree: browse it within one's scope, locate points, list departments."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import shapely.geometry
import sqlalchemy as sa
import yaml

from gridbrain.areas import locator
from gridbrain.areas.model import Crs, to_wgs84
from gridbrain.areas.tables import areas, department_types, departments
from gridbrain.core.auth import Actor
from gridbrain.core.codes import AreaLevel, CodeError, area_level, parent_code
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.core.scoping import Scope


@dataclass(frozen=True)
class AreaView:
    code: str
    name: str
    level: AreaLevel
    parent_code: str | None
    lat: float | None
    lng: float | None
    geometry: dict[str, Any] | None = None
    children: tuple[AreaView, ...] = ()


def _view(row: Any, *, geometry: bool = False, children: tuple[AreaView, ...] = ()) -> AreaView:
    return AreaView(
        code=row.code,
        name=row.name,
        level=AreaLevel(row.level),
        parent_code=row.parent_code,
        lat=row.lat,
        lng=row.lng,
        geometry=json.loads(row.geometry) if geometry and row.geometry else None,
        children=children,
    )


def top_areas(uow: UnitOfWork, actor: Actor) -> list[AreaView]:
    """The highest areas the user may see: their own area, or the roots for the unrestricted."""
    scope = actor.scope
    top = areas.c.parent_code.is_(None) if scope.unrestricted else areas.c.code == actor.area_code
    q = sa.select(areas).where(top).order_by(areas.c.code)
    return [_view(r) for r in uow.execute(q)]


def get_area(uow: UnitOfWork, actor: Actor, code: str) -> AreaView:
    """One area with its boundary and its children; 404 outside the user's scope."""
    try:
        area_level(code)
    except CodeError as e:
        raise Invalid("code", str(e)) from e
    actor.scope.require(code, "area")
    row = uow.execute(sa.select(areas).where(areas.c.code == code)).first()
    if row is None:
        raise NotFound(f"area {code} not found")
    kids = uow.execute(sa.select(areas).where(areas.c.parent_code == code).order_by(areas.c.code))
    return _view(row, geometry=True, children=tuple(_view(k) for k in kids))


def grids_geojson(
    uow: UnitOfWork, actor: Actor, area: str | None = None, level: int = AreaLevel.GRID
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the areas of one level inside `area` and the user's scope."""
    q = sa.select(areas.c.code, areas.c.name, areas.c.parent_code, areas.c.geometry).where(
        areas.c.level == int(level), actor.scope.where(areas.c.code)
    )
    if area:
        try:
            area_level(area)
        except CodeError as e:
            raise Invalid("area", str(e)) from e
        actor.scope.require(area, "area")
        q = q.where(Scope.of_area(area).where(areas.c.code))
    features = [
        {
            "type": "Feature",
            "id": r.code,
            "properties": {"code": r.code, "name": r.name, "parent_code": r.parent_code},
            "geometry": json.loads(r.geometry) if r.geometry else None,
        }
        for r in uow.execute(q.order_by(areas.c.code))
    ]
    return {"type": "FeatureCollection", "features": features}


def check_point(lat: float, lng: float, crs: str, *, field: str = "lat") -> tuple[float, float]:
    """Validate a reported point and convert it to WGS-84."""
    if crs not in set(Crs):
        raise Invalid("crs", f"must be one of {', '.join(Crs)}")
    if not -90 <= lat <= 90:
        raise Invalid("lat", "must be between -90 and 90")
    if not -180 <= lng <= 180:
        raise Invalid("lng", "must be between -180 and 180")
    return to_wgs84(lat, lng, crs)


def locate(
    uow: UnitOfWork, actor: Actor, lat: float, lng: float, crs: str = Crs.WGS84
) -> tuple[str, str, float, float]:
    """The grid holding a point: (grid code, grid name, WGS-84 lat, lng). 404 outside the district."""
    wlat, wlng = check_point(lat, lng, crs)
    hit = locator.locator_for(uow.engine, uow.conn).locate(wlat, wlng)
    if hit is None:
        raise NotFound(f"point ({lat}, {lng}) [{crs}] is outside the district: no grid contains it")
    if not actor.scope.covers(hit.grid_code):
        raise NotFound(f"point ({lat}, {lng}) [{crs}] is not in any grid of your area")
    return hit.grid_code, hit.name, wlat, wlng


def load_department_types() -> list[dict[str, Any]]:
    text = resources.files("gridbrain.areas").joinpath("data/department_types.yaml").read_text("utf-8")
    loaded: list[dict[str, Any]] = yaml.safe_load(text)
    return loaded


def sync_department_types(uow: UnitOfWork) -> int:
    """Insert or update the shipped department types; returns how many there are."""
    types = load_department_types()
    existing = {r.code for r in uow.execute(sa.select(department_types.c.code))}
    for t in types:
        values = {"name": t["name"], "levels": ",".join(t["levels"])}
        if t["code"] in existing:
            uow.execute(department_types.update().where(department_types.c.code == t["code"]).values(**values))
        else:
            uow.execute(department_types.insert().values(code=t["code"], **values))
    return len(types)


def list_departments(uow: UnitOfWork, actor: Actor, area: str | None = None) -> list[dict[str, Any]]:
    """Departments in the user's scope, plus those of the areas above it that serve it."""
    q = (
        sa.select(departments, department_types.c.name.label("type_name"))
        .join(department_types, department_types.c.code == departments.c.type_code)
        .order_by(departments.c.area_code, departments.c.type_code)
    )
    scope = actor.scope
    if not scope.unrestricted:
        q = q.where(
            sa.or_(scope.where(departments.c.area_code), departments.c.area_code.in_(_ancestors(actor.area_code)))
        )
    if area:
        scope.require_overlap(area)
        q = q.where(departments.c.area_code == area)
    return [dict(r._mapping) for r in uow.execute(q)]


def department_names(uow: UnitOfWork, codes: Iterable[str | None]) -> dict[str, str]:
    """Department code → its name (e.g. 五常街道城管中队) for the codes that name a department;
    pages show names, never codes."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    q = sa.select(departments.c.code, departments.c.name).where(departments.c.code.in_(wanted))
    return {r.code: r.name for r in uow.execute(q)}


def _ancestors(code: str | None) -> list[str]:
    out: list[str] = []
    while code:
        code = parent_code(code)
        if code:
            out.append(code)
    return out


def add_areas(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Insert areas (parents before children). Geometry may be a GeoJSON dict or shapely geometry."""
    out = []
    for r in rows:
        geom = r.get("geometry")
        if geom is not None and not isinstance(geom, (dict, str)):
            geom = shapely.geometry.mapping(geom)
        if isinstance(geom, dict):
            geom = json.dumps(geom, separators=(",", ":"))
        level = area_level(r["code"])
        out.append(
            {
                "code": r["code"],
                "parent_code": r.get("parent_code", parent_code(r["code"]) if level > 1 else None),
                "level": int(level),
                "name": r["name"],
                "geometry": geom,
                "lat": r.get("lat"),
                "lng": r.get("lng"),
                "households": r.get("households"),
            }
        )
    if out:
        uow.execute(areas.insert(), out)
    locator.invalidate(uow.engine)


def create_departments_for(uow: UnitOfWork, area_code: str, area_name: str) -> list[str]:
    """Open one department of every type that exists at this area's level; returns their codes."""
    level = area_level(area_code).label
    rows = []
    for t in load_department_types():
        if level in t["levels"]:
            code = f"{Scope.of_area(area_code).prefix}:{t['code']}"
            name = (
                area_name
                if t["code"] in ("grid", "street_office", "community_office", "district_command")
                else f"{area_name}{t['name']}"
            )
            rows.append({"code": code, "type_code": t["code"], "area_code": area_code, "name": name})
    if rows:
        uow.execute(departments.insert(), rows)
    return [r["code"] for r in rows]
