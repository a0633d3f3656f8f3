"""The perception library (感知库): sensing devices (readings and alarms land with perception)."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import metadata

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False, index=True),  # water_level, smoke, manhole, ...
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("grid_code", sa.String(15), nullable=False, index=True),
    sa.Column("address_code", sa.String(24), nullable=True),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lng", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="online"),
    sa.Column("installed_on", sa.Date, nullable=True),
)
