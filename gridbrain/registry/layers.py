"""Map layers of places and things (26 layers, registry/data/layers.yaml) as GeoJSON."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
import yaml

from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import NotFound
from gridbrain.registry.reads import in_scope, within
from gridbrain.registry.tables import places


@lru_cache(maxsize=1)
def layers() -> dict[str, str]:
    """code → Chinese name of the 26 map layers (registry/data/layers.yaml)."""
    text = resources.files("gridbrain.registry").joinpath("data/layers.yaml").read_text("utf-8")
    return {item["code"]: item["name"] for item in yaml.safe_load(text)}


def layer_geojson(uow: UnitOfWork, actor: Actor, layer: str, area: str | None = None) -> dict[str, Any]:
    """The places of one layer as a GeoJSON FeatureCollection, inside the actor's scope and `area`."""
    names = layers()
    if layer not in names:
        raise NotFound(f"layer {layer} not found")
    q = sa.select(places).where(places.c.layer == layer, in_scope(actor, places)).order_by(places.c.id)
    if area:
        q = q.where(within(places, area))
    features = []
    for r in uow.execute(q):
        geometry = {"type": "Point", "coordinates": [r.lng, r.lat]} if r.lat is not None and r.lng is not None else None
        features.append(
            {
                "type": "Feature",
                "id": r.id,
                "geometry": geometry,
                "properties": {
                    "name": r.name,
                    "layer": r.layer,
                    "layer_name": names[layer],
                    "address": r.address,
                    "address_code": r.address_code,
                    "grid_code": r.grid_code,
                    "uscc": r.uscc,
                    **(r.attributes or {}),
                },
            }
        )
    return {"type": "FeatureCollection", "name": names[layer], "features": features}
