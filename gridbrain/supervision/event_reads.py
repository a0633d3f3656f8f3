"""Every read supervision makes of the event hub's data, in one place.

Supervision needs a few facts about events it does not own: one event (to scope and route),
several by id (clocks of a batch of reports), the dispatched events whose clocks never started
(a lost signal), and the closings and ratings of a period (assessment). They are read here and
only here, as small typed values, so that this one module can be re-pointed at the events
capability's read API without touching the rest of supervision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork, one_of
from gridbrain.core.levels import Level
from gridbrain.events.signals import EventChanged
from gridbrain.events.tables import events
from gridbrain.supervision.scoping import group_key, visible
from gridbrain.supervision.tables import deadlines

OPEN_DISPATCHED = ("dispatched", "accepted", "in_progress")


@dataclass(frozen=True)
class Routing:
    """Who handles an event, at which level, where: what its clocks are started from."""

    event_id: str
    matter_code: str | None
    nature: str | None
    level: Level | None
    department_code: str | None
    area_code: str
    grid_code: str | None

    @classmethod
    def of_signal(cls, sig: EventChanged) -> Routing | None:
        """The routing a signal carries (None when it lacks the event's area)."""
        if sig.area_code is None:
            return None
        return cls(
            sig.event_id,
            sig.matter_code,
            sig.nature,
            sig.level,
            sig.department_code,
            sig.area_code,
            sig.grid_code,
        )


@dataclass(frozen=True)
class EventFacts(Routing):
    """An event as supervision sees it: its routing, status and text."""

    status: str = ""
    text: str | None = None

    def seen_by(self, actor: Actor) -> bool:
        """Handled in the actor's area or happening in it (as the event hub scopes events)."""
        return actor.scope.covers(self.area_code) or actor.scope.covers(self.grid_code)


def _facts(row: Any) -> EventFacts:
    return EventFacts(
        row.id,
        row.matter_code,
        row.nature,
        Level(row.level) if row.level else None,
        row.department_code,
        row.area_code,
        row.grid_code,
        status=row.status,
        text=row.text,
    )


_COLUMNS = (
    events.c.id,
    events.c.matter_code,
    events.c.nature,
    events.c.level,
    events.c.department_code,
    events.c.area_code,
    events.c.grid_code,
    events.c.status,
    events.c.text,
)


def one_event(uow: UnitOfWork, event_id: str) -> EventFacts | None:
    """One event, or None."""
    row = uow.execute(sa.select(*_COLUMNS).where(events.c.id == event_id)).first()
    return None if row is None else _facts(row)


def events_by_id(uow: UnitOfWork, event_ids: Iterable[str]) -> dict[str, EventFacts]:
    """Several events by id, in one statement (unknown ids are left out)."""
    ids = list(event_ids)
    if not ids:
        return {}
    rows = uow.execute(sa.select(*_COLUMNS).where(one_of(events.c.id, ids, postgres=uow.postgres)))
    return {r.id: _facts(r) for r in rows}


def dispatched_without_round(uow: UnitOfWork, *, dispatched_before: datetime, limit: int) -> list[tuple[str, datetime]]:
    """Open events dispatched before a time with no clock round since that dispatch (their
    signal was lost): (event id, dispatched at)."""
    d = deadlines.c
    has_round = sa.exists().where(d.event_id == events.c.id, d.started_at >= events.c.dispatched_at)
    rows = uow.execute(
        sa.select(events.c.id, events.c.dispatched_at)
        .where(
            events.c.status.in_(OPEN_DISPATCHED),
            events.c.matter_code.is_not(None),
            events.c.dispatched_at.is_not(None),
            events.c.dispatched_at <= dispatched_before,
            ~has_round,
        )
        .limit(limit)
    ).all()
    return [(r.id, r.dispatched_at) for r in rows]


@dataclass(frozen=True)
class Closings:
    """Events closed in a period under one assessment key, and their ratings (满意度)."""

    key: str
    closed: int
    satisfaction_sum: float
    satisfaction_n: int


def closings(uow: UnitOfWork, actor: Actor, *, by: str, since: datetime, until: datetime) -> list[Closings]:
    """The assessment's rows from the event hub: closings and ratings per department or area."""
    e = events.c
    k = group_key(events, by).label("k")
    q = (
        sa.select(
            k,
            sa.func.count().label("closed"),
            sa.func.sum(e.satisfaction).label("sat"),
            sa.func.count(e.satisfaction).label("sat_n"),
        )
        .where(e.closed_at >= since, e.closed_at < until, visible(actor, events))
        .group_by(k)
    )
    return [Closings(r.k or "", int(r.closed), float(r.sat or 0), int(r.sat_n)) for r in uow.execute(q)]
