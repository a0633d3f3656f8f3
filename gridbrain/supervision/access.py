"""Who may do what in supervision, and the audit entry every change writes.

Services never commit: the caller's unit of work does, so a change and its audit entries are
durable together. Every entry has subject_id = the event id, so it shows in the event's timeline.
"""

from __future__ import annotations

from datetime import datetime

from gridbrain.core import audit
from gridbrain.core.auth import Actor, Role
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import NotFound
from gridbrain.supervision.event_reads import EventFacts, one_event

SWEEPER = Actor.system("supervision-sweeper")
OPERATORS = frozenset({Role.DISTRICT_OPERATOR, Role.STREET_OPERATOR, Role.COMMUNITY_STAFF, Role.ADMIN})

Detail = str | int | float | bool | datetime | list[str] | None


def record(uow: UnitOfWork, tag: str, actor: Actor, event_id: str, area_code: str | None, **detail: Detail) -> None:
    """One audit entry `supervision:<subject>:<action>` on the event's timeline."""
    audit.record(
        uow,
        tag,
        actor=actor,
        subject_id=event_id,
        area_code=area_code,
        detail={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in detail.items()},
    )


def load_event(uow: UnitOfWork, actor: Actor, event_id: str) -> EventFacts:
    """The event if the actor may see it; 404 otherwise (out of scope does not exist)."""
    ev = one_event(uow, event_id)
    if ev is None or not ev.seen_by(actor):
        raise NotFound(f"event {event_id} not found", field="event_id")
    return ev
