"""Map layers of places and things (26 layers, registry/data/layers.yaml) as GeoJSON."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
import yaml

from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import NotFound
from gridbrain.registry.model import Kind, Place, record_of
from gridbrain.registry.reads import in_scope, within
from gridbrain.registry.tables import places


@lru_cache(maxsize=1)
def layers() -> dict[str, str]:
    """code → Chinese name of the 26 map layers (registry/data/layers.yaml)."""
    text = resources.files("gridbrain.registry").joinpath("data/layers.yaml").read_text("utf-8")
    return {item["code"]: item["name"] for item in yaml.safe_load(text)}


@dataclass(frozen=True)
class LayerView:
    """One layer's places inside an area, each with the source's own attributes."""

    code: str
    name: str
    places: list[tuple[Place, dict[str, Any]]]


def layer_places(uow: UnitOfWork, actor: Actor, layer: str, area: str | None = None) -> LayerView:
    """The places of one layer inside the actor's scope and `area` (404 for an unknown layer)."""
    names = layers()
    if layer not in names:
        raise NotFound(f"layer {layer} not found")
    q = sa.select(places).where(places.c.layer == layer, in_scope(actor, places)).order_by(places.c.id)
    if area:
        actor.scope.require_overlap(area)
        q = q.where(within(places, area))
    found = []
    for r in uow.execute(q):
        place = record_of(Kind.PLACE, dict(r._mapping))
        assert isinstance(place, Place)
        found.append((place, dict(r.attributes or {})))
    return LayerView(layer, names[layer], found)


def layer_geojson(uow: UnitOfWork, actor: Actor, layer: str, area: str | None = None) -> dict[str, Any]:
    """The places of one layer as a GeoJSON FeatureCollection, inside the actor's scope and `area`."""
    view = layer_places(uow, actor, layer, area)
    features = [
        {
            "type": "Feature",
            "id": p.id,
            "geometry": {"type": "Point", "coordinates": [p.lng, p.lat]} if p.lat is not None and p.lng is not None
            else None,
            "properties": {"name": p.name, "layer": p.layer, "layer_name": view.name, "address": p.address,
                           "address_code": p.address_code, "grid_code": p.grid_code, "uscc": p.uscc, **attributes},
        }
        for p, attributes in view.places
    ]  # fmt: skip
    return {"type": "FeatureCollection", "name": view.name, "features": features}
