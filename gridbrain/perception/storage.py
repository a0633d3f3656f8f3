"""Storage of the perception library: readings (monthly partitions on PostgreSQL, a retention
policy), hourly aggregates, rule state, and rejection counts with samples. Each write is one
statement per batch, whatever its size."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gridbrain.core.db import UnitOfWork, one_of
from gridbrain.perception.model import Reading
from gridbrain.perception.rules import DeviceState
from gridbrain.perception.tables import (
    device_states,
    reading_hourly,
    readings,
    rejection_counts,
    rejection_samples,
)


def _insert(uow: UnitOfWork, table: sa.Table) -> Any:
    return postgresql.insert(table) if uow.postgres else sqlite.insert(table)


_PG = postgresql.dialect()  # type: ignore[no-untyped-call]  # untyped in SQLAlchemy


def _pg_unnest(
    uow: UnitOfWork, table: sa.Table, rows: list[dict[str, Any]], *, conflict: str, returning: str = ""
) -> Any:
    """On PostgreSQL: the rows as one `INSERT ... SELECT FROM unnest(arrays) ... {conflict}`
    statement, each column one binary array parameter (no per-row parsing or round trip)."""
    columns = list(rows[0])
    arrays, selected, params = [], [], {}
    for i, name in enumerate(columns):
        col = table.c[name]
        json_like = isinstance(col.type, sa.JSON)
        sql_type = "TEXT" if json_like else col.type.dialect_impl(_PG).compile(dialect=_PG)
        arrays.append(f"CAST(%(c{i})b AS {sql_type}[])")
        selected.append(f"CAST(c{i} AS JSONB)" if json_like else f"c{i}")
        values = [r[name] for r in rows]
        params[f"c{i}"] = [json.dumps(v) for v in values] if json_like else values
    names = ", ".join(f'"{c}"' for c in columns)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    # names come from the table's own definition, never from input
    stmt = (
        f'INSERT INTO "{table.name}" ({names}) SELECT {", ".join(selected)} '  # noqa: S608
        f"FROM unnest({', '.join(arrays)}) AS u({aliases}) {conflict} {returning}"
    )
    return uow.conn.exec_driver_sql(stmt, params)


def store_readings(uow: UnitOfWork, batch: Sequence[Reading], received_at: datetime) -> set[tuple[str, datetime]]:
    """Insert the readings; answers the (device, ts) keys that went in — the others were there
    already (duplicates)."""
    if not batch:
        return set()
    rows = [
        {"device_code": r.device_id, "ts": r.ts, "values": dict(r.values), "received_at": received_at} for r in batch
    ]
    if uow.postgres:
        got = _pg_unnest(
            uow,
            readings,
            rows,
            conflict="ON CONFLICT (device_code, ts) DO NOTHING",
            returning="RETURNING device_code, ts",
        )
        return {(d, t) for d, t in got}
    stmt = (
        _insert(uow, readings)
        .on_conflict_do_nothing(index_elements=["device_code", "ts"])
        .returning(readings.c.device_code, readings.c.ts)
    )
    return {(r.device_code, r.ts) for r in uow.execute(stmt, rows)}


def add_hourly(uow: UnitOfWork, batch: Sequence[Reading]) -> None:
    """Fold the readings into the hourly aggregates (count, sum, min, max per measure)."""
    acc: dict[tuple[str, datetime, str], list[float]] = {}
    for r in batch:
        hour = r.ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        for m, v in r.values.items():
            a = acc.get((r.device_id, hour, m))
            if a is None:
                acc[(r.device_id, hour, m)] = [1, v, v, v]
            else:
                a[0] += 1
                a[1] += v
                a[2] = min(a[2], v)
                a[3] = max(a[3], v)
    if not acc:
        return
    rows = [
        {"device_code": d, "hour": h, "measure": m, "n": int(a[0]), "total": a[1], "low": a[2], "high": a[3]}
        for (d, h, m), a in sorted(acc.items())
    ]
    if uow.postgres:
        _pg_unnest(
            uow,
            reading_hourly,
            rows,
            conflict="ON CONFLICT (device_code, hour, measure) DO UPDATE SET n = reading_hourly.n + excluded.n, "
            "total = reading_hourly.total + excluded.total, low = least(reading_hourly.low, excluded.low), "
            "high = greatest(reading_hourly.high, excluded.high)",
        )
        return
    ins = _insert(uow, reading_hourly)
    least, greatest = (sa.func.least, sa.func.greatest) if uow.postgres else (sa.func.min, sa.func.max)
    stmt = ins.on_conflict_do_update(
        index_elements=["device_code", "hour", "measure"],
        set_={
            "n": reading_hourly.c.n + ins.excluded.n,
            "total": reading_hourly.c.total + ins.excluded.total,
            "low": least(reading_hourly.c.low, ins.excluded.low),
            "high": greatest(reading_hourly.c.high, ins.excluded.high),
        },
    )
    uow.execute(stmt, rows)


def _epoch(at: datetime | None) -> float | None:
    return at.timestamp() if at is not None else None


def _at(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def load_states(uow: UnitOfWork, codes: Sequence[str], *, lock: bool = False) -> dict[str, DeviceState]:
    """The rule state of these devices (an empty state for a device never seen). `lock`: hold
    the rows until commit (PostgreSQL), so two consumers never evaluate one device at once."""
    if not codes:
        return {}
    q = sa.select(device_states).where(one_of(device_states.c.device_code, codes, postgres=uow.postgres))
    if lock and uow.postgres:
        q = q.order_by(device_states.c.device_code).with_for_update()
    out = {
        r.device_code: DeviceState.of(_epoch(r.last_seen_at), _epoch(r.last_active_at), r.state) for r in uow.execute(q)
    }
    return {c: out.get(c) or DeviceState() for c in codes}


def save_states(uow: UnitOfWork, states: dict[str, DeviceState], kinds_of: dict[str, str]) -> None:
    """Write the devices' rule state back (insert or replace)."""
    if not states:
        return
    rows = [
        {
            "device_code": code,
            "kind": kinds_of[code],
            "last_seen_at": _at(st.last_seen),
            "last_active_at": _at(st.last_active),
            "state": st.as_json(),
        }
        for code, st in sorted(states.items())
    ]
    if uow.postgres:
        _pg_unnest(
            uow,
            device_states,
            rows,
            conflict="ON CONFLICT (device_code) DO UPDATE SET last_seen_at = excluded.last_seen_at, "
            "last_active_at = excluded.last_active_at, state = excluded.state",
        )
        return
    ins = _insert(uow, device_states)
    stmt = ins.on_conflict_do_update(
        index_elements=["device_code"],
        set_={
            "last_seen_at": ins.excluded.last_seen_at,
            "last_active_at": ins.excluded.last_active_at,
            "state": ins.excluded.state,
        },
    )
    uow.execute(stmt, rows)


@dataclass(frozen=True)
class Sample:
    reason: str
    source: str
    device_id: str | None
    detail: str
    payload: str


def count_rejections(uow: UnitOfWork, samples: Sequence[Sample], at: datetime, *, keep: int) -> None:
    """Count every rejection by reason and keep a few of each batch as samples (the newest
    `keep` per reason stay)."""
    if not samples:
        return
    counts: dict[str, int] = defaultdict(int)
    kept: list[dict[str, Any]] = []
    per_reason: dict[str, int] = defaultdict(int)
    for s in samples:
        counts[s.reason] += 1
        per_reason[s.reason] += 1
        if per_reason[s.reason] <= 3:
            kept.append(
                {
                    "reason": s.reason,
                    "at": at,
                    "source": s.source,
                    "device_id": (s.device_id or "")[:64] or None,
                    "detail": s.detail[:300],
                    "payload": s.payload[:2000],
                }
            )
    ins = _insert(uow, rejection_counts)
    uow.execute(
        ins.on_conflict_do_update(
            index_elements=["reason"],
            set_={"count": rejection_counts.c.count + ins.excluded.count, "last_at": ins.excluded.last_at},
        ),
        [{"reason": r, "count": n, "last_at": at} for r, n in sorted(counts.items())],
    )
    uow.execute(rejection_samples.insert(), kept)
    for reason in per_reason:
        newest = (
            sa.select(rejection_samples.c.id)
            .where(rejection_samples.c.reason == reason)
            .order_by(rejection_samples.c.id.desc())
            .limit(keep)
        )
        uow.execute(
            rejection_samples.delete().where(
                rejection_samples.c.reason == reason, rejection_samples.c.id.not_in(newest.scalar_subquery())
            )
        )


# --- partitions and retention -------------------------------------------------------------------


def _month(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(m: datetime) -> datetime:
    return m.replace(year=m.year + 1, month=1) if m.month == 12 else m.replace(month=m.month + 1)


def ensure_partitions(uow: UnitOfWork, now: datetime, *, ahead: int = 2) -> list[str]:
    """On PostgreSQL, the monthly partitions of readings for this month and `ahead` more; answers
    those created. A month already holding rows in the default partition is left there."""
    if not uow.postgres:
        return []
    made = []
    m = _month(now)
    for _ in range(ahead + 1):
        nxt = _next_month(m)
        name = f"readings_{m:%Y%m}"
        exists = uow.execute(sa.text("SELECT to_regclass(:n)"), {"n": name}).scalar()
        if exists is None:
            in_default = uow.execute(
                sa.text("SELECT 1 FROM readings_default WHERE ts >= :a AND ts < :b LIMIT 1"), {"a": m, "b": nxt}
            ).first()
            if in_default is None:
                # names come from dates, never from input
                uow.conn.exec_driver_sql(
                    f"CREATE TABLE {name} PARTITION OF readings "
                    f"FOR VALUES FROM ('{m.isoformat()}') TO ('{nxt.isoformat()}')"
                )
                made.append(name)
        m = nxt
    return made


def purge(uow: UnitOfWork, now: datetime, *, keep_days: int, keep_hourly_days: int) -> int:
    """Apply the retention policy: readings older than `keep_days` go (whole monthly partitions
    dropped on PostgreSQL), hourly aggregates older than `keep_hourly_days`. Answers rows deleted
    (partitions dropped count as their rows)."""
    cutoff = now - timedelta(days=keep_days)
    gone = 0
    if uow.postgres:
        parts = uow.execute(
            sa.text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent "
                "WHERE p.relname = 'readings' AND c.relname ~ '^readings_[0-9]{6}$'"
            )
        ).scalars()
        for name in list(parts):
            start = datetime.strptime(name[-6:], "%Y%m").replace(tzinfo=UTC)
            if _next_month(start) <= cutoff:
                gone += int(uow.conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one())  # noqa: S608 - a partition name of ours
                uow.conn.exec_driver_sql(f"DROP TABLE {name}")
    gone += uow.execute(readings.delete().where(readings.c.ts < cutoff)).rowcount
    uow.execute(reading_hourly.delete().where(reading_hourly.c.hour < now - timedelta(days=keep_hourly_days)))
    return gone
