"""HTTP API of the area tree."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gridbrain.areas import service
from gridbrain.areas.model import Crs
from gridbrain.areas.schemas import AreaFeatureCollection, AreaPublic, AreaSummary, DepartmentPublic, GridLocation
from gridbrain.core.codes import AreaLevel, parent_code
from gridbrain.core.errors import Invalid
from gridbrain.core.levels import Level
from gridbrain.core.web import CurrentUser, UowDep, for_clients

router = APIRouter(prefix="/api/v1", tags=["areas"])


@router.get("/areas", response_model=list[AreaSummary])
def list_top_areas(user: CurrentUser, uow: UowDep) -> list[AreaSummary]:
    """The top areas the user may see."""
    return [AreaSummary.of(a) for a in service.top_areas(uow, user)]


@router.get("/areas/{code}", response_model=AreaPublic)
def get_area(code: str, user: CurrentUser, uow: UowDep) -> AreaPublic:
    """One area with its children and its boundary as a GeoJSON geometry."""
    return AreaPublic.of(service.get_area(uow, user, code))


@router.get("/grids/locate", response_model=GridLocation)
@for_clients
def locate_grid(
    user: CurrentUser,
    uow: UowDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="latitude")],
    lng: Annotated[float, Query(ge=-180, le=180, description="longitude")],
    crs: Annotated[Crs, Query(description="coordinate system of lat/lng")] = Crs.WGS84,
) -> GridLocation:
    """The grid that holds a point (404 outside the district)."""
    code, name, wlat, wlng = service.locate(uow, user, lat, lng, crs)
    community = parent_code(code) or code
    return GridLocation(
        grid_code=code,
        grid_name=name,
        community_code=community,
        street_code=parent_code(community) or community,
        lat=wlat,
        lng=wlng,
    )


@router.get("/grids.geojson", response_model=AreaFeatureCollection)
def grids_geojson(
    user: CurrentUser,
    uow: UowDep,
    area: Annotated[str | None, Query(description="only inside this area code")] = None,
    level: Annotated[Level, Query(description="grid, community or street")] = Level.GRID,
) -> AreaFeatureCollection:
    """Grid (or street / community) boundaries as a GeoJSON FeatureCollection."""
    if level is Level.DISTRICT:
        raise Invalid("level", "one of grid, community, street (the district is one area: /areas)")
    return AreaFeatureCollection.model_validate(service.grids_geojson(uow, user, area, AreaLevel[level.name]))


@router.get("/departments", response_model=list[DepartmentPublic])
def list_departments(
    user: CurrentUser, uow: UowDep, area: Annotated[str | None, Query()] = None
) -> list[DepartmentPublic]:
    """Departments serving the user's area."""
    return [DepartmentPublic(**d) for d in service.list_departments(uow, user, area)]
