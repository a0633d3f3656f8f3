"""Tables of the area tree and the organisation that works in it."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import metadata

areas = sa.Table(
    "areas",
    metadata,
    sa.Column("code", sa.String(15), primary_key=True),  # 12-digit division or 15-digit grid code
    sa.Column("parent_code", sa.String(15), sa.ForeignKey("areas.code"), nullable=True, index=True),
    sa.Column("level", sa.SmallInteger, nullable=False, index=True),  # core.codes.AreaLevel
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("geometry", sa.Text, nullable=True),  # GeoJSON geometry, WGS-84
    sa.Column("lat", sa.Float, nullable=True),  # a representative point inside the area
    sa.Column("lng", sa.Float, nullable=True),
    sa.Column("households", sa.Integer, nullable=True),
)

# Kinds of department (城管执法, 市场监管...), shipped as data in areas/data/department_types.yaml
department_types = sa.Table(
    "department_types",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("levels", sa.String(64), nullable=False),  # comma list of levels it exists at
)

# A department at one area: the district's 城管执法局, a street's 城管中队, a community office.
departments = sa.Table(
    "departments",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),  # "<area prefix>:<type>", e.g. 330110001:city_management
    sa.Column("type_code", sa.String(32), sa.ForeignKey("department_types.code"), nullable=False, index=True),
    sa.Column("area_code", sa.String(15), sa.ForeignKey("areas.code"), nullable=False, index=True),
    sa.Column("name", sa.String(96), nullable=False),
    sa.Column("phone", sa.String(20), nullable=True),
)
