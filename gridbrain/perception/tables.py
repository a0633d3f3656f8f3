"""The perception library (感知库): devices, their readings (partitioned by month on PostgreSQL)
and hourly aggregates, rule state, rejections, alarms, rule overrides and video-AI detections."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import JSONType, UtcDateTime, metadata

BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False, index=True),  # a code of data/kinds.yaml
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("grid_code", sa.String(15), nullable=False, index=True),
    sa.Column("address_code", sa.String(24), nullable=True),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lng", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="online"),
    sa.Column("installed_on", sa.Date, nullable=True),
    # --- added by the perception capability (nullable: the demo generator writes the base columns)
    sa.Column("address", sa.String(200), nullable=True),
    sa.Column("owner_department", sa.String(64), nullable=True),  # the department that runs it
    sa.Column("watched_person_id", sa.String(18), nullable=True),  # 独居老人: whom it watches over
    sa.Column("faces_uscc", sa.String(18), nullable=True),  # a camera: the shop in front of it
)

# What the rules remember of a device; one row per device that ever reported.
device_states = sa.Table(
    "device_states",
    metadata,
    sa.Column("device_code", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False, index=True),
    sa.Column("last_seen_at", UtcDateTime, nullable=True, index=True),
    sa.Column("last_active_at", UtcDateTime, nullable=True),
    sa.Column("state", JSONType, nullable=True),
)

readings = sa.Table(
    "readings",
    metadata,
    sa.Column("device_code", sa.String(32), nullable=False),
    sa.Column("ts", UtcDateTime, nullable=False),
    sa.Column("values", JSONType, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("device_code", "ts"),
    postgresql_partition_by="RANGE (ts)",  # one partition per month (service.ensure_partitions)
)


@sa.event.listens_for(readings, "after_create")
def _default_partition(target: sa.Table, connection: sa.Connection, **_: object) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS readings_default PARTITION OF readings DEFAULT")


reading_hourly = sa.Table(
    "reading_hourly",
    metadata,
    sa.Column("device_code", sa.String(32), nullable=False),
    sa.Column("hour", UtcDateTime, nullable=False),
    sa.Column("measure", sa.String(32), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("total", sa.Float, nullable=False),
    sa.Column("low", sa.Float, nullable=False),
    sa.Column("high", sa.Float, nullable=False),
    sa.PrimaryKeyConstraint("device_code", "hour", "measure"),
)

rejection_counts = sa.Table(
    "rejection_counts",
    metadata,
    sa.Column("reason", sa.String(32), primary_key=True),
    sa.Column("count", BigId, nullable=False),
    sa.Column("last_at", UtcDateTime, nullable=False),
)

rejection_samples = sa.Table(
    "rejection_samples",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("reason", sa.String(32), nullable=False, index=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # mqtt | http | csv
    sa.Column("device_id", sa.String(64), nullable=True),
    sa.Column("detail", sa.String(300), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # the first 2,000 characters as received
)

alarms = sa.Table(
    "alarms",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("device_code", sa.String(32), nullable=False, index=True),
    sa.Column("rule_code", sa.String(48), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("severity", sa.String(12), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("grid_code", sa.String(15), nullable=False, index=True),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lng", sa.Float, nullable=False),
    sa.Column("message", sa.String(300), nullable=False),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("repeats", sa.Integer, nullable=False, server_default="1"),
    sa.Column("opened_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("acknowledged_by", sa.String(64), nullable=True),
    sa.Column("acknowledged_at", UtcDateTime, nullable=True),
    sa.Column("cleared_by", sa.String(64), nullable=True),
    sa.Column("cleared_at", UtcDateTime, nullable=True),
    sa.Column("note", sa.String(300), nullable=True),
    sa.Column("event_id", sa.String(32), nullable=True, index=True),  # the hub's event, if one was opened
    sa.Column("recipient", sa.String(64), nullable=True),  # a care alarm: the grid worker it goes to
    sa.Column("shop_uscc", sa.String(18), nullable=True),  # a video-AI alarm: the shop in front
    # one open alarm per device and rule: repeats update it
    sa.Index(
        "ux_alarms_open",
        "device_code",
        "rule_code",
        unique=True,
        postgresql_where=sa.text("status IN ('active', 'acknowledged')"),
        sqlite_where=sa.text("status IN ('active', 'acknowledged')"),
    ),
)

rule_overrides = sa.Table(
    "rule_overrides",
    metadata,
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("rule_code", sa.String(48), nullable=False),
    sa.Column("device_code", sa.String(32), nullable=False, server_default=""),  # "": the whole kind
    sa.Column("params", JSONType, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.PrimaryKeyConstraint("kind", "rule_code", "device_code"),
)

detections = sa.Table(
    "detections",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("camera_code", sa.String(32), nullable=False, index=True),
    sa.Column("class", sa.String(32), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("snapshot_url", sa.String(500), nullable=True),
    sa.Column("detected_at", UtcDateTime, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("outcome", sa.String(12), nullable=False),  # ignored | opened | merged
    sa.Column("alarm_id", sa.String(32), nullable=True, index=True),
)
