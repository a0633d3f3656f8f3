"""Settings of the pages, read from GRIDBRAIN_WEB_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDBRAIN_WEB_", env_file=".env", extra="ignore")

    # a tile server's URL template ({z}/{x}/{y}, e.g. Tianditu's with its key); empty: the maps
    # draw area polygons on a plain background and work with no internet
    tile_url: str = ""
    tile_attribution: str = ""
    # the coordinate system of the tiles: Chinese tile servers (Amap, Tencent) use GCJ-02, so
    # the pages shift our WGS-84 geometry onto them; Tianditu and OSM are WGS-84
    tile_crs: Literal["wgs84", "gcj02"] = "wgs84"
    # the language when the user has not chosen one
    default_locale: Literal["zh", "en"] = "zh"
    # residents' reports per client address and hour on /report (throttle)
    resident_reports_per_hour: int = 10


@lru_cache(maxsize=1)
def get_web_settings() -> WebSettings:
    return WebSettings()
