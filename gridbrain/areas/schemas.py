"""Request and response shapes of the area API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from gridbrain.areas.service import AreaView


class AreaSummary(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    lat: float | None
    lng: float | None

    @classmethod
    def of(cls, a: AreaView) -> AreaSummary:
        return cls(code=a.code, name=a.name, level=a.level.label, parent_code=a.parent_code, lat=a.lat, lng=a.lng)


class AreaPublic(AreaSummary):
    geometry: dict[str, Any] | None
    children: list[AreaSummary]

    @classmethod
    def of(cls, a: AreaView) -> AreaPublic:
        base = AreaSummary.of(a).model_dump()
        return cls(**base, geometry=a.geometry, children=[AreaSummary.of(c) for c in a.children])


class GridLocation(BaseModel):
    grid_code: str
    grid_name: str
    community_code: str
    street_code: str
    lat: float
    lng: float
    crs: str = "wgs84"


class DepartmentPublic(BaseModel):
    code: str
    name: str
    type_code: str
    type_name: str
    area_code: str


class AreaProperties(BaseModel):
    code: str
    name: str
    parent_code: str | None


class AreaFeature(BaseModel):
    """One area as a GeoJSON Feature (RFC 7946); the geometry is the stored GeoJSON geometry."""

    type: Literal["Feature"] = "Feature"
    id: str
    properties: AreaProperties
    geometry: dict[str, Any] | None


class AreaFeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[AreaFeature]
