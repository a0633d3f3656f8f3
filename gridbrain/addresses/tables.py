"""The standard address library (标准地址库)."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import metadata

# One row per addressable thing, at any level of the hierarchy:
#   road > door (门牌: road + number) | compound (小区) > building (幢) > unit (单元) > room (室)
addresses = sa.Table(
    "addresses",
    metadata,
    sa.Column("code", sa.String(24), primary_key=True),
    sa.Column("parent_code", sa.String(24), nullable=True, index=True),
    sa.Column("level", sa.String(12), nullable=False),  # road | door | compound | building | unit | room
    sa.Column("full_text", sa.String(200), nullable=False),  # 杭州市余杭区临平街道星光社区星河路88号 3幢2单元501室
    sa.Column("road", sa.String(40), nullable=True),
    sa.Column("number", sa.String(16), nullable=True),  # door number: "88号"
    sa.Column("compound", sa.String(40), nullable=True),
    sa.Column("building", sa.String(16), nullable=True),  # "3幢"
    sa.Column("unit", sa.String(16), nullable=True),  # "2单元"
    sa.Column("room", sa.String(16), nullable=True),  # "501室"
    sa.Column("grid_code", sa.String(15), nullable=False, index=True),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lng", sa.Float, nullable=False),
    sa.Column("h3_9", sa.String(16), nullable=True, index=True),
    sa.Column("h3_11", sa.String(16), nullable=True),
)

# Other names that stand for an address: former names, compound names, well-known places (POI).
address_aliases = sa.Table(
    "address_aliases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("address_code", sa.String(24), nullable=False, index=True),
    sa.Column("alias", sa.String(80), nullable=False, index=True),
    sa.Column("kind", sa.String(12), nullable=False),  # former | compound | poi
)
