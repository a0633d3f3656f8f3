"""Every read supervision makes of the event hub's data, in one place.

Supervision needs a few facts about events it does not own: one event (to scope and route),
several by id (clocks of a batch of reports), the dispatched events whose clocks never started
(a lost signal), and the closings and ratings of a period (assessment). They are read here and
only here, as small typed values, through the events capability's read API (`events.queries`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.levels import Level
from gridbrain.events import queries
from gridbrain.events.model import Event
from gridbrain.events.signals import EventChanged
from gridbrain.supervision.tables import deadlines


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
        return actor.scope.covers_any(self.area_code, self.grid_code)


def _facts(ev: Event) -> EventFacts:
    return EventFacts(
        ev.id,
        ev.matter_code,
        ev.nature,
        Level(ev.level) if ev.level else None,
        ev.department_code,
        ev.area_code,
        ev.grid_code,
        status=str(ev.status),
        text=ev.text,
    )


def one_event(uow: UnitOfWork, event_id: str) -> EventFacts | None:
    """One event, or None."""
    ev = queries.get(uow, event_id)
    return None if ev is None else _facts(ev)


def events_by_id(uow: UnitOfWork, event_ids: Iterable[str]) -> dict[str, EventFacts]:
    """Several events by id, in one statement (unknown ids are left out)."""
    return {i: _facts(ev) for i, ev in queries.get_many(uow, event_ids).items()}


def dispatched_without_round(uow: UnitOfWork, *, dispatched_before: datetime, limit: int) -> list[tuple[str, datetime]]:
    """Open events dispatched before a time with no clock round since that dispatch (their
    signal was lost): (event id, dispatched at)."""
    d = deadlines.c

    def has_round(event_id: Any, dispatched_at: Any) -> Any:
        return sa.exists().where(d.event_id == event_id, d.started_at >= dispatched_at)

    return queries.dispatched_before(uow, dispatched_before, unless=has_round, limit=limit)


@dataclass(frozen=True)
class Closings:
    """Events closed in a period under one assessment key, and their ratings (满意度)."""

    key: str
    closed: int
    satisfaction_sum: float
    satisfaction_n: int


def closings(uow: UnitOfWork, actor: Actor, *, by: str, since: datetime, until: datetime) -> list[Closings]:
    """The assessment's rows from the event hub: closings and ratings per department or area."""
    tallies = queries.closed_tallies(uow, actor, since=since, until=until, by=by)
    return [Closings(k or "", t.closed, t.satisfaction_sum, t.satisfaction_n) for k, t in tallies.items()]
