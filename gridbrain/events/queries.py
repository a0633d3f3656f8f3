"""Reads of the event library (事件库): for users (list, detail with timeline, returns per matter,
return visits — all scoped to the user's area) and for other capabilities (`get`, `get_many`,
`dispatched_before`, `closed_tallies` — unscoped or scoped as they say), so that no capability
reads the events table itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.core import audit, clock, masking
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork, one_of
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.core.scoping import Scope
from gridbrain.events import model
from gridbrain.events.model import Action, Event, Status
from gridbrain.events.tables import event_training, event_transitions, event_visits, events

# --- scoping ----------------------------------------------------------------------------------


def visible_in(actor: Actor, area_column: Any, grid_column: Any) -> Any:
    """The condition for rows of events the actor sees: handled in their area, or happening in
    it. Usable on any table that carries an event's area and grid codes."""
    scope = actor.scope
    if scope.unrestricted:
        return sa.true()
    return sa.or_(scope.where(area_column), scope.where(grid_column))


def visible(actor: Actor) -> Any:
    """`visible_in` over the events table."""
    return visible_in(actor, events.c.area_code, events.c.grid_code)


def load(uow: UnitOfWork, actor: Actor, event_id: str, *, lock: bool = False) -> Event:
    """The event if the actor may see it (locked for update on PostgreSQL); 404 otherwise."""
    q = sa.select(events).where(events.c.id == event_id, visible(actor))
    if lock and uow.postgres:
        q = q.with_for_update()
    row = uow.execute(q).first()
    if row is None:
        raise NotFound(f"event {event_id} not found", field="event_id")
    return Event.of(row._mapping)


def get_event_row(uow: UnitOfWork, actor: Actor, event_id: str) -> dict[str, Any]:
    """The event's stored columns (404 outside the user's area)."""
    return load(uow, actor, event_id).as_row()


# --- for other capabilities (system callers: no scope) -----------------------------------------


def get(uow: UnitOfWork, event_id: str) -> Event | None:
    """One event by id, whoever's area it is in (system callers)."""
    row = uow.execute(sa.select(events).where(events.c.id == event_id)).first()
    return Event.of(row._mapping) if row is not None else None


def get_many(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, Event]:
    """Events by id (those that exist), whoever's area they are in (system callers)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = uow.execute(sa.select(events).where(one_of(events.c.id, wanted, postgres=uow.postgres)))
    return {r.id: Event.of(r._mapping) for r in rows}


IN_WORK = (Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS)


def dispatched_before(
    uow: UnitOfWork,
    before: datetime,
    *,
    unless: Callable[[Any, Any], Any] | None = None,
    limit: int = 1000,
) -> list[tuple[str, datetime]]:
    """(id, dispatched at) of classified events still in work that were dispatched at or before
    `before` — leaving out those `unless(event_id_column, dispatched_at_column)` holds for (a
    correlated condition the caller builds over its own tables: "has a clock since")."""
    e = events.c
    q = sa.select(e.id, e.dispatched_at).where(
        e.status.in_([s.value for s in IN_WORK]),
        e.matter_code.is_not(None),
        e.dispatched_at.is_not(None),
        e.dispatched_at <= before,
    )
    if unless is not None:
        q = q.where(~unless(e.id, e.dispatched_at))
    return [(r.id, r.dispatched_at) for r in uow.execute(q.limit(limit))]


@dataclass(frozen=True)
class ClosedTally:
    """Events closed in a period under one key, and their satisfaction (满意度)."""

    closed: int
    satisfaction_sum: float
    satisfaction_n: int


GROUPS = ("department", "street", "community")


def closed_tallies(
    uow: UnitOfWork, actor: Actor, *, since: datetime, until: datetime, by: str = "department"
) -> dict[str, ClosedTally]:
    """Per department code (or street / community prefix of the event's place): events closed in
    [since, until) that the actor sees, with the sum and count of their ratings (assessment)."""
    if by not in GROUPS:
        raise Invalid("by", f"one of {', '.join(GROUPS)}")
    e = events.c
    key: Any
    if by == "department":
        key = sa.func.coalesce(e.department_code, "")
    else:
        key = sa.func.substr(sa.func.coalesce(e.grid_code, e.area_code), 1, 9 if by == "street" else 12)
    k = key.label("k")
    q = (
        sa.select(
            k,
            sa.func.count().label("closed"),
            sa.func.sum(e.satisfaction).label("sat"),
            sa.func.count(e.satisfaction).label("sat_n"),
        )
        .where(e.closed_at >= since, e.closed_at < until, visible(actor))
        .group_by(k)
    )
    return {r.k: ClosedTally(int(r.closed), float(r.sat or 0), int(r.sat_n)) for r in uow.execute(q)}


# --- for users ---------------------------------------------------------------------------------


@dataclass
class Page:
    items: list[Event]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class Filter:
    """What `GET /api/v1/events` narrows the list by."""

    status: str | None = None  # one status or a comma list
    area: str | None = None  # area or grid code
    matter: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    reported_by: str | None = None  # the account that submitted it (a grid worker's patrol record)


def _conditions(actor: Actor, f: Filter) -> list[Any]:
    conds = [visible(actor)]
    if f.status:
        wanted = [s.strip() for s in f.status.split(",") if s.strip()]
        for s in wanted:
            if s not in {st.value for st in Status}:
                raise Invalid("status", f"one of {', '.join(Status)}")
        conds.append(events.c.status.in_(wanted))
    if f.area:
        actor.scope.require_overlap(f.area)
        try:
            sc = Scope.of_area(f.area)
        except ValueError as e:
            raise Invalid("area", str(e)) from None
        conds.append(sa.or_(sc.where(events.c.area_code), sc.where(events.c.grid_code)))
    if f.since:
        conds.append(events.c.reported_at >= f.since)
    if f.until:
        conds.append(events.c.reported_at < f.until)
    equal = {"matter_code": f.matter, "channel": f.channel, "reported_by": f.reported_by}
    conds.extend(events.c[name] == value for name, value in equal.items() if value)
    return conds


def list_events(uow: UnitOfWork, actor: Actor, f: Filter | None = None, *, page: int = 1, per_page: int = 50) -> Page:
    """Events the user may see, newest first, filtered and paginated."""
    conds = _conditions(actor, f or Filter())
    if not 1 <= per_page <= 500:
        raise Invalid("per_page", "1-500")
    if page < 1:
        raise Invalid("page", "at least 1")
    where = sa.and_(*conds)
    total = uow.execute(sa.select(sa.func.count()).select_from(events).where(where)).scalar_one()
    rows = uow.execute(
        sa.select(events)
        .where(where)
        .order_by(events.c.reported_at.desc(), events.c.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page([Event.of(r._mapping) for r in rows], int(total), page, per_page)


# detail extensions: supervision adds deadlines and cards
DetailExtension = Callable[[UnitOfWork, Actor, str], Any]
_extensions: dict[str, DetailExtension] = {}


def register_detail_extension(key: str, fn: DetailExtension) -> None:
    """`GET /api/v1/events/{id}` adds `response[key] = fn(uow, actor, event_id)`."""
    _extensions[key] = fn


def remove_detail_extension(key: str) -> None:
    """Take an extension out again (tests; a capability switched off)."""
    _extensions.pop(key, None)


@dataclass(frozen=True)
class Detail:
    """One event with its timeline and what other capabilities add to it."""

    event: Event
    timeline: list[dict[str, Any]]
    extensions: dict[str, Any]


def timeline(uow: UnitOfWork, event_id: str) -> list[dict[str, Any]]:
    """Transitions and every capability's audit entries on the event, in time order."""
    steps: list[dict[str, Any]] = [
        {"kind": "transition", **{k: getattr(t, k) for k in _TRANSITION_KEYS}}
        for t in uow.execute(
            sa.select(event_transitions)
            .where(event_transitions.c.event_id == event_id)
            .order_by(event_transitions.c.seq)
        )
    ]
    for a in audit.entries(uow, subject_id=event_id):
        if a["tag"] in _TRANSITION_TAGS:
            continue  # already in the timeline as a transition
        steps.append(
            {
                "kind": "audit",
                "at": a["at"],
                "action": a["tag"],
                "actor": a["actor"],
                "actor_role": a["actor_role"],
                "detail": a["detail"],
            }
        )
    steps.sort(key=lambda e: (clock.aware(e["at"], naive_as=UTC), 0 if e["kind"] == "transition" else 1))
    return steps


_TRANSITION_KEYS = (
    "seq",
    "at",
    "action",
    "from_status",
    "to_status",
    "actor",
    "actor_role",
    "department_code",
    "level",
    "note",
)
_TRANSITION_TAGS = frozenset({f"events:event:{a.past}" for a in Action} | {f"events:event:{model.REPORTED}"})


def detail(uow: UnitOfWork, actor: Actor, event_id: str) -> Detail:
    """One event (404 outside the user's area) with its timeline and extensions."""
    ev = load(uow, actor, event_id)
    extensions = {key: fn(uow, actor, event_id) for key, fn in _extensions.items()}
    return Detail(ev, timeline(uow, event_id), extensions)


def get_event(uow: UnitOfWork, actor: Actor, event_id: str) -> dict[str, Any]:
    """`detail` as one mapping: the event's columns, `timeline`, `allowed_actions`, `extensions`."""
    d = detail(uow, actor, event_id)
    return {
        **d.event.as_row(),
        "timeline": d.timeline,
        "allowed_actions": d.event.allowed_actions,
        "extensions": d.extensions,
    }


def returns_by_matter(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    """How many times events of each matter were returned (退单), within the user's scope."""
    q = (
        sa.select(events.c.matter_code, sa.func.count().label("n"))
        .select_from(event_transitions.join(events, events.c.id == event_transitions.c.event_id))
        .where(event_transitions.c.action == Action.RETURN.past, visible(actor))
        .group_by(events.c.matter_code)
    )
    return {r.matter_code or "": int(r.n) for r in uow.execute(q)}


def reporter_view(actor: Actor, ev: Event) -> dict[str, str | None]:
    """The reporter's details as this user may see them (masked unless the role needs them)."""
    full = actor.sees_personal_data
    return {
        "name": ev.reporter_name if full else masking.mask_name(ev.reporter_name),
        "phone": masking.phone_for(actor, ev.reporter_phone),
    }


def list_visits(uow: UnitOfWork, actor: Actor, *, open_only: bool = True) -> list[dict[str, Any]]:
    """Return-visit (回访) tasks in the user's area, open ones unless told otherwise."""
    q = sa.select(event_visits).where(actor.scope.where(event_visits.c.area_code)).order_by(event_visits.c.id)
    if open_only:
        q = q.where(event_visits.c.done_at.is_(None))
    return [dict(r._mapping) for r in uow.execute(q)]


def training_samples(uow: UnitOfWork, *, since: datetime | None = None) -> list[tuple[str, str]]:
    """Labelled texts from triage corrections, re-routes and re-dispatched returns, as
    (text, matter_code) — for the catalog's classifier retraining."""
    q = sa.select(event_training.c.text, event_training.c.matter_code).where(event_training.c.matter_code.is_not(None))
    if since is not None:
        q = q.where(event_training.c.at >= since)
    return [(r.text, r.matter_code) for r in uow.execute(q.order_by(event_training.c.id))]
