"""The event aggregate: an event as the rules see it, who may act on it, and its moves, each of
which answers the new event and the typed signal of what happened. Pure: no storage, no web."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from gridbrain.core.codes import area_prefix
from gridbrain.core.errors import Forbidden, Invalid
from gridbrain.core.levels import Level
from gridbrain.events.model.lifecycle import (
    Action,
    IllegalTransition,
    Status,
    allowed,
    check_rating,
    move,
    reopen_allowed,
)
from gridbrain.events.model.routing import Target
from gridbrain.events.signals import EventChanged, kind_of


class Acting(Protocol):
    """Who acts on an event, as the rules see them (`core.auth.Actor` is one)."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def area_code(self) -> str | None: ...
    @property
    def department_code(self) -> str | None: ...


# roles (values of `core.auth.Role`, kept as strings so the model stays free of storage)
ADMIN, GRID_WORKER = "admin", "grid_worker"
OPERATORS = frozenset({ADMIN, "district_operator", "street_operator", "community_staff"})
CLIENT_ROLES = frozenset({"open311_client", "system"})  # client systems submitting for residents
HANDLING = frozenset({Action.ACCEPT, Action.RETURN, Action.START, Action.HANDLE})
CHECKING = frozenset({Action.VERIFY, Action.REJECT})


def covers(actor: Acting, code: str | None) -> bool:
    """The actor's area holds `code` (an actor without an area sees the whole district)."""
    if actor.area_code is None:
        return True
    return code is not None and code.startswith(area_prefix(actor.area_code))


@dataclass(frozen=True)
class Event:
    """One event of the event library (事件库) as the rules see it: built from its stored row by
    the services, changed only through the moves below, each of which answers the new event and
    the signal of what happened."""

    id: str
    status: Status
    channel: str
    text: str
    area_code: str  # where it is handled, for scoping
    reported_at: datetime
    external_id: str | None = None
    matter_code: str | None = None
    nature: str | None = None
    parameters: Mapping[str, object] | None = None
    level: Level | None = None
    department_code: str | None = None
    grid_code: str | None = None
    address_code: str | None = None
    address_text: str | None = None
    lat: float | None = None
    lng: float | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_contact: str | None = None
    reported_by: str | None = None  # the account that submitted it
    media_url: str | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    dispatched_at: datetime | None = None
    satisfaction: int | None = None
    rating_comment: str | None = None
    rated_at: datetime | None = None
    reports_count: int = 1
    returns_count: int = 0
    transitions_count: int = 0
    triage_reason: str | None = None
    confidence: float | None = None
    candidates: tuple[Mapping[str, object], ...] | None = None
    catalog_version: str | None = None
    assignee: str | None = None
    duplicate_of: str | None = None

    @classmethod
    def of(cls, row: Mapping[Any, Any]) -> Event:
        """The event of a stored row (columns this type does not know are left out)."""
        values = {k: row[k] for k in _FIELDS if k in row}
        values["status"] = Status(values["status"])
        values["level"] = Level(values["level"]) if values.get("level") else None
        values["candidates"] = tuple(values["candidates"]) if values.get("candidates") else None
        for counter, default in (("reports_count", 1), ("returns_count", 0), ("transitions_count", 0)):
            values[counter] = int(values.get(counter) or default)
        return cls(**values)

    def as_row(self) -> dict[str, Any]:
        """The stored columns of this event."""
        row = {k: getattr(self, k) for k in _FIELDS}
        row["status"] = self.status.value
        row["level"] = self.level.value if self.level else None
        row["candidates"] = [dict(c) for c in self.candidates] if self.candidates else None
        row["parameters"] = dict(self.parameters) if self.parameters is not None else None
        return row

    @property
    def allowed_actions(self) -> list[str]:
        return allowed(self.status)

    # --- who may act -----------------------------------------------------------------------

    def handled_by(self, actor: Acting) -> bool:
        """The department (or grid worker) the event is with, or an operator of the handling area."""
        if actor.role == ADMIN:
            return True
        if actor.department_code and actor.department_code == self.department_code:
            return True
        if self.level == Level.GRID and actor.role == GRID_WORKER:
            return actor.area_code == self.grid_code
        return actor.role in OPERATORS and covers(actor, self.area_code)

    def submitted_by(self, actor: Acting) -> bool:
        """The client system (Open311, 12345 platform) that reported it, acting for the resident."""
        return actor.username == self.reported_by and actor.role in CLIENT_ROLES

    def may(self, actor: Acting, action: Action) -> bool:
        """Whether `actor` may do `action`: handlers accept, return, start and handle; the grid's
        worker, operators or the reporting client verify and reject; operators or the reporting
        client reopen; the command centre (指挥中心) does the rest."""
        operator = actor.role in OPERATORS
        if action in HANDLING:
            return self.handled_by(actor)
        if action in CHECKING:
            grid_worker = actor.role == GRID_WORKER and actor.area_code == self.grid_code
            return grid_worker or operator or self.submitted_by(actor)
        if action == Action.REOPEN:
            return operator or self.submitted_by(actor)
        return operator or actor.role == "system"

    def may_rate(self, actor: Acting) -> bool:
        return self.submitted_by(actor) or actor.role in OPERATORS or actor.role == GRID_WORKER

    def may_assign(self, actor: Acting) -> bool:
        return self.handled_by(actor) or actor.role in OPERATORS

    def fits(self, person: Acting) -> bool:
        """`person` may be given the event: its grid's worker, or someone of its department."""
        if self.level == Level.GRID:
            return person.role == GRID_WORKER and person.area_code == self.grid_code
        return person.department_code == self.department_code

    # --- signals -----------------------------------------------------------------------------

    def signal(
        self, action: str, from_status: str | None, by: str, at: datetime, note: str | None = None, **extra: Any
    ) -> EventChanged:
        """The typed signal of one move of this event (`EventDispatched` for "dispatched", …)."""
        return kind_of(action)(
            event_id=self.id,
            from_status=from_status,
            to_status=self.status.value,
            at=at,
            actor=by,
            matter_code=self.matter_code,
            nature=self.nature,
            level=self.level,
            department_code=self.department_code,
            grid_code=self.grid_code,
            area_code=self.area_code,
            channel=self.channel,
            note=note,
            **extra,
        )


_FIELDS = tuple(f.name for f in fields(Event))


# --- the moves ---------------------------------------------------------------------------------

Moved = tuple[Event, EventChanged]
LIFTED = "out-of-list: lifted off the grid (清单外事项下派过滤)"


def check(event: Event, action: Action, by: Acting) -> None:
    """Refuse an illegal move (409, whoever asks) and then a move `by` may not make (403)."""
    move(event.id, event.status, action, note="-")
    if not event.may(by, action):
        raise Forbidden(f"{by.role} {by.username} may not {action.value} event {event.id}")


def transition(
    event: Event, action: Action, *, by: Acting, at: datetime, note: str | None = None, **changes: Any
) -> Moved:
    """Move `event` by `action` (legal, allowed to `by`, with a reason where one is needed),
    with `changes` to its columns; answers the moved event and its signal."""
    check(event, action, by)
    to = move(event.id, event.status, action, note=note)
    moved = replace(event, **changes, status=to, updated_at=at, transitions_count=event.transitions_count + 1)
    return moved, moved.signal(action.past, event.status.value, by.username, at, note)


def accept(event: Event, *, by: Acting, at: datetime) -> Moved:
    """The department takes the event (签收); only its handlers may."""
    return transition(event, Action.ACCEPT, by=by, at=at)


def start(event: Event, *, by: Acting, at: datetime) -> Moved:
    return transition(event, Action.START, by=by, at=at)


def handle(event: Event, *, by: Acting, at: datetime, note: str | None = None) -> Moved:
    """The handler reports the problem dealt with (处置完成)."""
    return transition(event, Action.HANDLE, by=by, at=at, note=note)


def return_event(event: Event, *, by: Acting, reason: str | None, at: datetime) -> Moved:
    """A department gives the event back (退单); the reason is mandatory."""
    return transition(event, Action.RETURN, by=by, at=at, note=reason, returns_count=event.returns_count + 1)


def close(event: Event, *, by: Acting, at: datetime, answer: str | None = None) -> Moved:
    """The command centre closes the event (结案); the answer goes back to every reporter."""
    return transition(event, Action.CLOSE, by=by, at=at, note=answer, closed_at=at)


def reopen(event: Event, *, by: Acting, reason: str | None, at: datetime, window: timedelta) -> Moved:
    """A closed event goes back to its department, within `window` of its closing."""
    check(event, Action.REOPEN, by)
    if not reopen_allowed(event.closed_at, at, window):
        raise Invalid("action", "reopen_window", f"a closed event may be reopened within {window.days} days")
    return transition(event, Action.REOPEN, by=by, at=at, note=reason, closed_at=None)


def send(
    event: Event, action: Action, target: Target, *, by: Acting, at: datetime, note: str | None = None, **changes: Any
) -> Moved:
    """Dispatch, re-route or escalate the event to `target` (派单); the out-of-list filter's lift
    is noted on the move."""
    if target.filtered:
        note = f"{note}; {LIFTED}" if note else LIFTED
    return transition(
        event,
        action,
        by=by,
        at=at,
        note=note,
        level=target.level,
        department_code=target.department_code,
        area_code=target.area_code,
        assignee=target.assignee,
        dispatched_at=at,
        triage_reason=None,
        **changes,
    )


def rate(event: Event, *, by: Acting, rating: object, comment: str | None, at: datetime) -> Moved:
    """The reporter's satisfaction with a closed event (满意度 1–5 and a comment)."""
    score, text = check_rating(rating, comment)
    if event.status != Status.CLOSED:
        raise Invalid("status", "closed", f"only a closed event can be rated; it is {event.status.value}")
    if not event.may_rate(by):
        raise Forbidden("only the reporter's channel or staff may record satisfaction")
    rated = replace(event, satisfaction=score, rating_comment=text, rated_at=at, updated_at=at)
    return rated, rated.signal("rated", event.status.value, by.username, at, rating=score)


def check_assign(event: Event, *, by: Acting) -> None:
    """Refuse giving the event to a person now (409 past the work, 403 for someone not its handler)."""
    if event.status not in (Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS):
        raise IllegalTransition(event.id, event.status, "assign")
    if not event.may_assign(by):
        raise Forbidden(f"{by.username} may not assign event {event.id}")


def assign(event: Event, *, by: Acting, person: Acting, at: datetime) -> Event:
    """Give the event to a person within its department (or the grid worker of its grid)."""
    check_assign(event, by=by)
    if not event.fits(person):
        raise Invalid("assignee", "in_department", f"{person.username} does not work for {event.department_code}")
    return replace(event, assignee=person.username, updated_at=at)
