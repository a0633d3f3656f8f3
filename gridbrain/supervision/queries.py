"""Reads of supervision's clocks and cards: an event's deadlines and cards, lists and counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid
from gridbrain.supervision import model
from gridbrain.supervision.access import load_event
from gridbrain.supervision.calendar import working_calendar
from gridbrain.supervision.model import Colour, Limit, Unit
from gridbrain.supervision.scoping import area_key, group_key, visible
from gridbrain.supervision.tables import cards, deadlines

LIVE = ("running", "paused")


@dataclass(frozen=True)
class DeadlineView:
    """One clock of an event as the detail page shows it."""

    kind: str
    round: int
    status: str
    end_reason: str | None
    limit: Limit
    department_code: str | None
    level: str | None
    started_at: datetime
    yellow_at: datetime
    due_at: datetime
    paused_at: datetime | None
    ended_at: datetime | None
    extensions: int
    overdue: bool
    remaining_seconds: int | None
    yellow_card_at: datetime | None
    red_card_at: datetime | None


def deadline_view(row: Any, now: datetime) -> DeadlineView:
    live = row.status in LIVE
    left = model.elapsed(working_calendar(), Unit(row.unit), row.paused_at or now, row.due_at) if live else None
    overdue = (live and now > row.due_at) or (row.status == "met" and row.ended_at > row.due_at)
    return DeadlineView(
        kind=row.kind,
        round=row.round,
        status=row.status,
        end_reason=row.end_reason,
        limit=Limit(row.value, Unit(row.unit)),
        department_code=row.department_code,
        level=row.level,
        started_at=row.started_at,
        yellow_at=row.yellow_at,
        due_at=row.due_at,
        paused_at=row.paused_at,
        ended_at=row.ended_at,
        extensions=row.extensions,
        overdue=bool(overdue),
        remaining_seconds=None if left is None else round(left),
        yellow_card_at=row.yellow_card_at,
        red_card_at=row.red_card_at,
    )


def event_deadlines(uow: UnitOfWork, actor: Actor, event_id: str) -> list[DeadlineView]:
    """Every clock of the event, newest round first."""
    load_event(uow, actor, event_id)
    now = clock.now()
    rows = uow.execute(
        sa.select(deadlines)
        .where(deadlines.c.event_id == event_id)
        .order_by(deadlines.c.round.desc(), deadlines.c.kind.desc())
    )
    return [deadline_view(r, now) for r in rows]


@dataclass(frozen=True)
class CardView:
    """A yellow or red card (红黄牌)."""

    id: int
    event_id: str
    colour: str
    deadline_kind: str
    round: int
    issued_at: datetime
    due_at: datetime
    department_code: str | None
    level: str | None
    area_code: str
    supervisor_area_code: str
    escalated_to: str | None

    @classmethod
    def of(cls, row: Any) -> CardView:
        return cls(
            row.id,
            row.event_id,
            row.colour,
            row.kind,
            row.round,
            row.issued_at,
            row.due_at,
            row.department_code,
            row.level,
            row.area_code,
            row.supervisor_area_code,
            row.escalated_to,
        )


def event_cards(uow: UnitOfWork, actor: Actor, event_id: str) -> list[CardView]:
    """The event's cards in the order they were issued."""
    load_event(uow, actor, event_id)
    rows = uow.execute(sa.select(cards).where(cards.c.event_id == event_id).order_by(cards.c.id))
    return [CardView.of(r) for r in rows]


def _period(q: Any, since: datetime | None, until: datetime | None) -> Any:
    if since:
        q = q.where(cards.c.issued_at >= since)
    if until:
        q = q.where(cards.c.issued_at < until)
    return q


def list_cards(  # noqa: PLR0913 - the card list's filters, all keyword-only
    uow: UnitOfWork,
    actor: Actor,
    *,
    colour: str | None = None,
    department: str | None = None,
    mine: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[CardView]:
    """Cards in the actor's area; `mine`: those sent to the actor's department or supervised by their area."""
    q = sa.select(cards).where(visible(actor, cards))
    if mine:
        conds = [cards.c.supervisor_area_code == (actor.area_code or "")]
        if actor.department_code:
            conds.append(cards.c.department_code == actor.department_code)
        q = q.where(sa.or_(*conds))
    if colour:
        if colour not in set(Colour):
            raise Invalid("colour", "must be yellow or red")
        q = q.where(cards.c.colour == colour)
    if department:
        q = q.where(cards.c.department_code == department)
    q = _period(q, since, until).order_by(cards.c.issued_at.desc(), cards.c.id.desc()).limit(limit)
    return [CardView.of(r) for r in uow.execute(q)]


@dataclass(frozen=True)
class CardCount:
    key: str
    yellow: int
    red: int


def card_counts(
    uow: UnitOfWork, actor: Actor, *, by: str, since: datetime | None = None, until: datetime | None = None
) -> list[CardCount]:
    """Yellow and red cards counted per department, street or community (for the cockpit)."""
    key = group_key(cards, by)
    q = (
        sa.select(
            key.label("key"),
            sa.func.sum(sa.case((cards.c.colour == "yellow", 1), else_=0)).label("yellow"),
            sa.func.sum(sa.case((cards.c.colour == "red", 1), else_=0)).label("red"),
        )
        .where(visible(actor, cards))
        .group_by(key)
    )
    out = [
        CardCount(r.key if by == "department" else area_key(r.key), int(r.yellow or 0), int(r.red or 0))
        for r in uow.execute(_period(q, since, until))
    ]
    return sorted(out, key=lambda r: (-r.red, -r.yellow, r.key))
