"""What the cockpit (驾驶舱) shows of one area: KPIs, the trend, matter classes, open markers.

Read-only queries over the event library and supervision's clocks, scoped to the area (its code
prefix, on the handling area or the grid). Issue 22 moves these aggregates into maintained
summaries; until then they are computed per request, bounded by the windows below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.core.scoping import Scope
from gridbrain.events.tables import events
from gridbrain.supervision.tables import deadlines

DONE = ("closed", "cancelled")
WINDOW = timedelta(days=30)  # the period of the rates
TREND_DAYS = 14
MARKERS = 500  # the newest open events drawn on the map


@dataclass(frozen=True)
class Kpis:
    today: int
    open: int
    overdue: int
    on_time_rate: float | None  # share of disposal clocks met in time, last 30 days
    return_rate: float | None  # share of dispatched events returned at least once, last 30 days
    satisfaction: float | None  # average rating 1–5, last 30 days


@dataclass(frozen=True)
class Marker:
    id: str
    lat: float
    lng: float
    status: str
    text: str
    overdue: bool


Theme = tuple[str, ...] | None  # a themed view's matter codes (1+8+X); None: every matter


def _in_area(area: str, theme: Theme = None) -> Any:
    scope = Scope.of_area(area)
    where = sa.or_(scope.where(events.c.area_code), scope.where(events.c.grid_code))
    return sa.and_(where, events.c.matter_code.in_(theme)) if theme is not None else where


def _start_of_today() -> datetime:
    today = clock.local().date()
    return datetime.combine(today, time(0), tzinfo=clock.CHINA)


def _clocks_in(area: str, theme: Theme) -> Any:
    d = deadlines.c
    where = Scope.of_area(area).where(d.area_code)
    return sa.and_(where, d.matter_code.in_(theme)) if theme is not None else where


def _overdue_ids(area: str, now: datetime, theme: Theme = None) -> sa.Select[Any]:
    d = deadlines.c
    return sa.select(d.event_id).where(d.status == "running", d.due_at < now, _clocks_in(area, theme))


def kpis(uow: UnitOfWork, area: str, theme: Theme = None) -> Kpis:
    """The six figures of an area's cockpit."""
    now = clock.now()
    since = now - WINDOW
    e = events.c
    where = _in_area(area, theme)
    count = sa.func.count()
    today = uow.execute(sa.select(count).where(where, e.reported_at >= _start_of_today())).scalar_one()
    open_ = uow.execute(sa.select(count).where(where, e.status.not_in(DONE))).scalar_one()
    overdue = uow.execute(
        sa.select(sa.func.count(sa.distinct(sa.literal_column("event_id")))).select_from(
            _overdue_ids(area, now, theme).subquery()
        )
    ).scalar_one()
    recent = sa.and_(where, e.reported_at >= since)
    sums = uow.execute(
        sa.select(
            sa.func.count(e.dispatched_at),
            sa.func.sum(sa.case((e.returns_count > 0, 1), else_=0)),
            sa.func.avg(e.satisfaction),
        ).where(recent)
    ).one()
    dispatched, returned, rating = list(sums)
    d = deadlines.c
    clocks = uow.execute(
        sa.select(
            sa.func.sum(sa.case((sa.and_(d.status == "met", d.ended_at <= d.due_at), 1), else_=0)),
            sa.func.sum(
                sa.case(
                    (sa.and_(d.status == "met", d.ended_at > d.due_at), 1),
                    (sa.and_(d.status == "running", d.due_at < now), 1),
                    else_=0,
                )
            ),
        ).where(d.kind == "disposal", d.started_at >= since, _clocks_in(area, theme))
    ).one()
    met, late = (int(x or 0) for x in list(clocks))
    return Kpis(
        today=int(today),
        open=int(open_),
        overdue=int(overdue),
        on_time_rate=met / (met + late) if met + late else None,
        return_rate=int(returned or 0) / dispatched if dispatched else None,
        satisfaction=float(rating) if rating is not None else None,
    )


def trend(uow: UnitOfWork, area: str, theme: Theme = None) -> list[tuple[str, int]]:
    """Events reported per day over the last two weeks (China days), oldest first."""
    start = _start_of_today() - timedelta(days=TREND_DAYS - 1)
    rows = uow.execute(
        sa.select(events.c.reported_at).where(_in_area(area, theme), events.c.reported_at >= start)
    ).scalars()
    days = {(start + timedelta(days=i)).date().isoformat(): 0 for i in range(TREND_DAYS)}
    for at in rows:
        key = clock.local(clock.aware(at)).date().isoformat()
        if key in days:
            days[key] += 1
    return list(days.items())


def matter_classes(uow: UnitOfWork, area: str, theme: Theme = None, *, limit: int = 8) -> list[tuple[str, int]]:
    """The most reported matters of the last 30 days: (matter code, count), most first."""
    e = events.c
    q = (
        sa.select(e.matter_code, sa.func.count())
        .where(_in_area(area, theme), e.reported_at >= clock.now() - WINDOW, e.matter_code.is_not(None))
        .group_by(e.matter_code)
        .order_by(sa.func.count().desc(), e.matter_code)
        .limit(limit)
    )
    return [(str(code), int(n)) for code, n in map(list, uow.execute(q))]


def markers(uow: UnitOfWork, area: str, theme: Theme = None) -> list[Marker]:
    """The newest open events with a place, the overdue ones flagged."""
    e = events.c
    now = clock.now()
    late = set(uow.execute(_overdue_ids(area, now, theme)).scalars())
    q = (
        sa.select(e.id, e.lat, e.lng, e.status, e.text)
        .where(_in_area(area, theme), e.status.not_in(DONE), e.lat.is_not(None))
        .order_by(e.reported_at.desc())
        .limit(MARKERS)
    )
    return [
        Marker(id=r.id, lat=r.lat, lng=r.lng, status=r.status, text=r.text[:60], overdue=r.id in late)
        for r in uow.execute(q)
    ]


@dataclass(frozen=True)
class HeatCell:
    cell: str  # an H3 cell
    count: int
    boundary: list[tuple[float, float]]  # (lat, lng) corners


def heat(
    uow: UnitOfWork, area: str, theme: Theme = None, *, resolution: int = 8, limit: int = 20_000
) -> list[HeatCell]:
    """Events of the last 30 days counted per H3 cell (the governance heat map, 治理热力图)."""
    import h3

    e = events.c
    q = (
        sa.select(e.lat, e.lng)
        .where(_in_area(area, theme), e.reported_at >= clock.now() - WINDOW, e.lat.is_not(None))
        .limit(limit)
    )
    counts: dict[str, int] = {}
    for lat, lng in map(list, uow.execute(q)):
        cell = h3.latlng_to_cell(lat, lng, resolution)
        counts[cell] = counts.get(cell, 0) + 1
    return [
        HeatCell(cell, n, [(float(a), float(b)) for a, b in h3.cell_to_boundary(cell)])
        for cell, n in sorted(counts.items(), key=lambda kv: -kv[1])
    ]
