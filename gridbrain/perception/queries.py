"""Reads of the perception library: a device's readings (raw, hourly or daily) and the
rejections (counts by reason, newest samples)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid
from gridbrain.perception import devices as registry
from gridbrain.perception.tables import reading_hourly, readings, rejection_counts, rejection_samples

STEPS = ("raw", "hour", "day")
MAX_POINTS = 10_000


@dataclass(frozen=True)
class Stat:
    n: int
    avg: float
    min: float
    max: float


@dataclass
class Point:
    ts: datetime
    values: dict[str, float] = field(default_factory=dict)  # raw readings
    stats: dict[str, Stat] = field(default_factory=dict)  # hourly or daily aggregates


def series(
    uow: UnitOfWork, actor: Actor, device_id: str, *, start: datetime | None, end: datetime | None, step: str
) -> list[Point]:
    """A device's readings between `start` and `end` (default: the last 24 h), raw or aggregated
    by hour or by (China) day from the hourly aggregates."""
    if step not in STEPS:
        raise Invalid("step", f"one of {', '.join(STEPS)}")
    registry.get(uow, actor, device_id)  # 404 outside the actor's area
    end = clock.aware(end) if end is not None else clock.now()
    start = clock.aware(start) if start is not None else end - timedelta(days=1)
    if start > end:
        raise Invalid("from", "not after to")
    if step == "raw":
        rows = uow.execute(
            sa.select(readings.c.ts, readings.c["values"])
            .where(readings.c.device_code == device_id, readings.c.ts >= start, readings.c.ts < end)
            .order_by(readings.c.ts)
            .limit(MAX_POINTS)
        )
        return [Point(r.ts, dict(r.values)) for r in rows]
    rows = uow.execute(
        sa.select(reading_hourly)
        .where(reading_hourly.c.device_code == device_id, reading_hourly.c.hour >= start, reading_hourly.c.hour < end)
        .order_by(reading_hourly.c.hour, reading_hourly.c.measure)
    )
    acc: dict[datetime, dict[str, list[float]]] = {}
    for r in rows:
        key = r.hour if step == "hour" else clock.local(r.hour).replace(hour=0, minute=0, second=0, microsecond=0)
        a = acc.setdefault(key, {}).setdefault(r.measure, [0, 0.0, r.low, r.high])
        a[0] += r.n
        a[1] += r.total
        a[2] = min(a[2], r.low)
        a[3] = max(a[3], r.high)
    return [
        Point(ts, stats={m: Stat(int(a[0]), a[1] / a[0], a[2], a[3]) for m, a in ms.items()})
        for ts, ms in sorted(acc.items())
    ]


def rejections(uow: UnitOfWork, *, reason: str | None = None, samples: int = 20) -> dict[str, Any]:
    """Rejected readings: the count of each reason and its newest samples."""
    counts = uow.execute(sa.select(rejection_counts).order_by(rejection_counts.c.reason))
    q = sa.select(rejection_samples).order_by(rejection_samples.c.id.desc()).limit(samples)
    if reason is not None:
        q = q.where(rejection_samples.c.reason == reason)
    return {
        "counts": [{"reason": r.reason, "count": r._mapping["count"], "last_at": r.last_at} for r in counts],
        "samples": [
            {
                "reason": r.reason,
                "at": r.at,
                "source": r.source,
                "device_id": r.device_id,
                "detail": r.detail,
                "payload": r.payload,
            }
            for r in uow.execute(q)
        ],
    }
