"""The event library (事件库)."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import JSONType, metadata

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),  # hotline_12345 | app | patrol | department | iot | video_ai | system
    sa.Column("external_id", sa.String(64), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("matter_code", sa.String(16), nullable=True, index=True),
    sa.Column("nature", sa.String(4), nullable=True),  # 求决 | 投诉 | 咨询 | 建议 | 举报 | 感谢
    sa.Column("parameters", JSONType, nullable=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("level", sa.String(12), nullable=True),  # grid | community | street | district
    sa.Column("department_code", sa.String(64), nullable=True, index=True),
    sa.Column("area_code", sa.String(15), nullable=False, index=True),  # where it is handled, for scoping
    sa.Column("grid_code", sa.String(15), nullable=True, index=True),
    sa.Column("address_code", sa.String(24), nullable=True),
    sa.Column("address_text", sa.String(200), nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lng", sa.Float, nullable=True),
    sa.Column("reporter_name", sa.String(32), nullable=True),
    sa.Column("reporter_phone", sa.String(20), nullable=True),
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("satisfaction", sa.SmallInteger, nullable=True),
    sa.Column("reports_count", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint("channel", "external_id", name="uq_events_channel_external_id"),
)
