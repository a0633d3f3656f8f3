"""Deadlines, pauses and cards: the use cases around an event's clocks.

Services never commit: the caller (API route, CLI, signal handler, sweeper) does, so a change
and its audit entries are durable together. The event hub tells us what happened through
`events:event:<action>` signals (after its commit); `on_event` turns them into clock changes.
Everything that changes state is audited with subject_id = the event id, so it shows in the event's timeline.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from gridbrain.catalog.model import Nature
from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor, Role
from gridbrain.core.db import UnitOfWork, insert_many, one_of
from gridbrain.core.errors import Conflict, Forbidden, Invalid, MissingField, NotFound
from gridbrain.events.tables import events
from gridbrain.supervision import model
from gridbrain.supervision.calendar import rules, working_calendar
from gridbrain.supervision.model import Colour, DeadlineKind, Limit, Unit
from gridbrain.supervision.tables import cards, deadlines, pauses

log = logging.getLogger(__name__)

SWEEPER = Actor.system("supervision-sweeper")
OPERATORS = frozenset({Role.DISTRICT_OPERATOR, Role.STREET_OPERATOR, Role.COMMUNITY_STAFF, Role.ADMIN})
LIVE = ("running", "paused")

# event actions that (re)start the clocks for a new handler, and the cause recorded
RESTART = {
    "dispatched": "dispatched",
    "rerouted": "rerouted",
    "escalated": "escalated",
    "reopened": "reopened",
}


def record(uow: UnitOfWork, tag: str, actor: Actor, event_id: str, area_code: str | None, **detail: Any) -> None:
    audit.record(
        uow,
        tag,
        actor=actor,
        subject_id=event_id,
        area_code=area_code,
        detail={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in detail.items()},
    )


def load_event(uow: UnitOfWork, actor: Actor, event_id: str) -> Any:
    """The event if the actor may see it; 404 otherwise (out of scope does not exist)."""
    row = uow.execute(sa.select(events).where(events.c.id == event_id)).first()
    if row is None or not (actor.scope.covers(row.area_code) or actor.scope.covers(row.grid_code)):
        raise NotFound(f"event {event_id} not found", field="event_id")
    return row


def visible(actor: Actor, table: sa.Table) -> Any:
    """Rows of events the actor sees: handled in their area, or happening in it (as the event hub)."""
    scope = actor.scope
    if scope.unrestricted:
        return sa.true()
    return sa.or_(scope.where(table.c.area_code), scope.where(table.c.grid_code))


def _limits(matter_code: str | None, nature: str | None) -> dict[DeadlineKind, Limit] | None:
    if not matter_code:
        return None
    from gridbrain.events.service import catalog as events_catalog

    catalog = events_catalog()
    if matter_code not in catalog:
        log.warning("event matter %s is not in catalog %s: no deadlines", matter_code, catalog.version)
        return None
    m = catalog.get(matter_code)
    try:
        nat: Nature | None = Nature(nature) if nature else None
    except ValueError:
        nat = None
    disposal = m.disposal_for(nat)
    return {
        DeadlineKind.RESPONSE: Limit(m.response.value, Unit(m.response.unit.value)),
        DeadlineKind.DISPOSAL: Limit(disposal.value, Unit(disposal.unit.value)),
    }


def _end_live(
    uow: UnitOfWork,
    event_id: str,
    at: datetime,
    status: str,
    reason: str | None,
    kinds: Iterable[str] = tuple(DeadlineKind),
) -> int:
    res = uow.execute(
        deadlines.update()
        .where(deadlines.c.event_id == event_id, deadlines.c.status.in_(LIVE), deadlines.c.kind.in_(list(kinds)))
        .values(status=status, end_reason=reason, ended_at=at, next_check_at=None)
    )
    return res.rowcount or 0


def start_round(uow: UnitOfWork, event_id: str, *, at: datetime, cause: str = "dispatched") -> int | None:
    """New clocks for the event's current handler; running ones of the previous round end.
    Answers the round started (None when there was nothing to start)."""
    return start_rounds(uow, [(event_id, at, cause)]).get(event_id)


_EVENT_FIELDS = ("matter_code", "nature", "department_code", "level", "area_code", "grid_code")


def start_rounds(
    uow: UnitOfWork, starts: list[tuple[str, datetime, str]], known: dict[str, dict[str, Any]] | None = None
) -> dict[str, int]:
    """`start_round` for many events at once — (event_id, at, cause) each, an event at most once —
    in a few statements whatever their number (a batch of reports). `known` may give an event's
    signal payload: its routing then needs no query, and an event dispatched straight from
    `reported` has no earlier round to look for. Answers the round started per event (events
    that already had this dispatch's clocks, or have no deadlines, are left out)."""
    if not starts:
        return {}
    known = known or {}
    wanted = [e for e, _, _ in starts]
    if len(set(wanted)) != len(wanted):
        raise ValueError("start_rounds takes each event once")
    evs: dict[str, Any] = {
        e: SimpleNamespace(id=e, **{f: known[e][f] for f in _EVENT_FIELDS})
        for e in wanted
        if e in known and all(f in known[e] for f in _EVENT_FIELDS)
    }
    unknown = [e for e in wanted if e not in evs]
    if unknown:
        evs.update(
            (r.id, r) for r in uow.execute(sa.select(events).where(one_of(events.c.id, unknown, postgres=uow.postgres)))
        )
    first = {e for e in wanted if known.get(e, {}).get("from_status") == "reported"}
    previous: dict[str, Any] = {}
    if len(first) < len(wanted):
        for r in uow.execute(
            sa.select(deadlines.c.event_id, deadlines.c.department_code, deadlines.c.round, deadlines.c.started_at)
            .where(one_of(deadlines.c.event_id, [e for e in wanted if e not in first], postgres=uow.postgres))
            .order_by(deadlines.c.event_id, deadlines.c.round.desc())
        ):
            previous.setdefault(r.event_id, r)  # the newest round of each event
    cal, rl = working_calendar(), rules()
    clocks: dict[tuple[datetime, Limit, float], model.Clock] = {}  # a batch shares its start time
    rows: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    started: dict[str, int] = {}
    for event_id, at, cause in starts:
        ev = evs.get(event_id)
        if ev is None:
            continue
        prev = previous.get(event_id)
        if prev is not None and prev.started_at >= at and prev.department_code == ev.department_code:
            continue  # this dispatch already has its clocks (a repeated signal, or reconcile came first)
        if prev is not None:
            _end_live(uow, event_id, at, "ended", "superseded")
        limits = _limits(ev.matter_code, ev.nature)
        if limits is None:
            continue
        rnd = (prev.round if prev else 0) + 1
        dues = {}
        for kind, limit in limits.items():
            key = (at, limit, rl.yellow_share[kind])
            c = clocks.get(key)
            if c is None:
                c = clocks[key] = model.start_clock(cal, at, limit, rl.yellow_share[kind])
            rows.append(
                {
                    "event_id": event_id,
                    "kind": kind.value,
                    "round": rnd,
                    "status": "running",
                    "unit": limit.unit.value,
                    "value": limit.value,
                    "matter_code": ev.matter_code,
                    "department_code": ev.department_code,
                    "level": ev.level,
                    "area_code": ev.area_code,
                    "grid_code": ev.grid_code,
                    "supervisor_area_code": model.supervisor_prefix(ev.area_code, ev.level),
                    "cause": cause,
                    "previous_department_code": prev.department_code if prev else None,
                    "started_at": at,
                    "yellow_at": c.yellow_at,
                    "due_at": c.due_at,
                    "next_check_at": c.yellow_at,
                }
            )
            dues[f"{kind.value}_due_at"] = c.due_at.isoformat()
        started[event_id] = rnd
        entries.append(
            audit.entry(
                "supervision:deadline:started",
                actor=SWEEPER,
                subject_id=event_id,
                area_code=ev.area_code,
                detail={"round": rnd, "cause": cause, "department_code": ev.department_code, **dues},
            )
        )
    with uow.pipeline():  # writes only: one round trip
        insert_many(uow, deadlines, rows)
        audit.record_many(uow, entries)
    return started


def reconcile(uow: UnitOfWork, *, older_than: timedelta = timedelta(minutes=5), limit: int = 1000) -> int:
    """Start the clocks of dispatched events whose signal was lost (a crash between the hub's
    commit and our handler): open events dispatched a while ago with no round since."""
    since = clock.now() - older_than
    d = deadlines.c
    has_round = sa.exists().where(d.event_id == events.c.id, d.started_at >= events.c.dispatched_at)
    rows = uow.execute(
        sa.select(events.c.id, events.c.dispatched_at)
        .where(
            events.c.status.in_(("dispatched", "accepted", "in_progress")),
            events.c.matter_code.is_not(None),
            events.c.dispatched_at.is_not(None),
            events.c.dispatched_at <= since,
            ~has_round,
        )
        .limit(limit)
    ).all()
    for r in rows:
        start_round(uow, r.id, at=r.dispatched_at, cause="dispatched")
    return len(rows)


def meet(uow: UnitOfWork, event_id: str, kinds: Iterable[DeadlineKind], *, at: datetime) -> int:
    """The expected step happened (accepted: response; handled: disposal)."""
    n = _end_live(uow, event_id, at, "met", None, [k.value for k in kinds])
    if n:
        record(uow, "supervision:deadline:met", SWEEPER, event_id, None, kinds=[k.value for k in kinds])
    return n


def end(uow: UnitOfWork, event_id: str, *, at: datetime, reason: str) -> int:
    n = _end_live(uow, event_id, at, "ended", reason)
    if n:
        record(uow, "supervision:deadline:ended", SWEEPER, event_id, None, reason=reason)
    return n


def on_event(uow: UnitOfWork, action: str, payload: dict[str, Any]) -> None:
    """Apply one `events:event:<action>` signal to the clocks (the caller commits)."""
    event_id = payload["event_id"]
    at = _signal_time(payload)
    if action in RESTART and payload.get("to_status", "dispatched") == "dispatched":
        start_round(uow, event_id, at=at, cause=RESTART[action])
    elif action == "accepted":
        meet(uow, event_id, [DeadlineKind.RESPONSE], at=at)
    elif action == "handled":
        meet(uow, event_id, [DeadlineKind.RESPONSE, DeadlineKind.DISPOSAL], at=at)
    elif action in ("returned", "cancelled", "closed"):
        end(uow, event_id, at=at, reason=action)


def on_events(uow: UnitOfWork, batch: list[tuple[str, dict[str, Any]]]) -> None:
    """Apply several `events:event:<action>` signals (the caller commits), in order for each
    event; clock starts of different events — a batch of reports — go in together (`start_rounds`)."""
    run: list[tuple[str, datetime, str]] = []
    waiting: dict[str, dict[str, Any]] = {}
    for action, payload in batch:
        event_id = payload["event_id"]
        if event_id in waiting:  # this event's earlier start goes first
            start_rounds(uow, run, waiting)
            run, waiting = [], {}
        if action in RESTART and payload.get("to_status", "dispatched") == "dispatched":
            run.append((event_id, _signal_time(payload), RESTART[action]))
            waiting[event_id] = payload
        elif action == "cancelled" and payload.get("from_status") == "reported":
            continue  # cancelled as it was reported (a duplicate linked at intake): it never had clocks
        else:
            on_event(uow, action, payload)
    start_rounds(uow, run, waiting)


def _signal_time(payload: dict[str, Any]) -> datetime:
    at_raw = payload.get("at")
    at = datetime.fromisoformat(at_raw) if isinstance(at_raw, str) else (at_raw or clock.now())
    return at.replace(tzinfo=model.CHINA) if at.tzinfo is None else at


# --- views ----------------------------------------------------------------------------------------


def _clock(row: Any) -> model.Clock:
    return model.Clock(Unit(row.unit), row.started_at, row.yellow_at, row.due_at, row.paused_at)


def deadline_view(row: Any, now: datetime) -> dict[str, Any]:
    cal = working_calendar()
    unit = Unit(row.unit)
    live = row.status in LIVE
    ref = row.paused_at or now
    left = model.elapsed(cal, unit, ref, row.due_at) if live else None
    return {
        "kind": row.kind,
        "round": row.round,
        "status": row.status,
        "end_reason": row.end_reason,
        "limit": {"value": row.value, "unit": row.unit},
        "department_code": row.department_code,
        "level": row.level,
        "started_at": row.started_at,
        "yellow_at": row.yellow_at,
        "due_at": row.due_at,
        "paused_at": row.paused_at,
        "ended_at": row.ended_at,
        "extensions": row.extensions,
        "overdue": (live and now > row.due_at) or (row.status == "met" and row.ended_at > row.due_at),
        "remaining_seconds": None if left is None else round(left),
        "yellow_card_at": row.yellow_card_at,
        "red_card_at": row.red_card_at,
    }


def event_deadlines(uow: UnitOfWork, actor: Actor, event_id: str) -> list[dict[str, Any]]:
    """Every clock of the event, newest round first (the detail extension `deadlines`)."""
    load_event(uow, actor, event_id)
    now = clock.now()
    rows = uow.execute(
        sa.select(deadlines)
        .where(deadlines.c.event_id == event_id)
        .order_by(deadlines.c.round.desc(), deadlines.c.kind.desc())
    )
    return [deadline_view(r, now) for r in rows]


def card_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "event_id": row.event_id,
        "colour": row.colour,
        "deadline_kind": row.kind,
        "round": row.round,
        "issued_at": row.issued_at,
        "due_at": row.due_at,
        "department_code": row.department_code,
        "level": row.level,
        "area_code": row.area_code,
        "supervisor_area_code": row.supervisor_area_code,
        "escalated_to": row.escalated_to,
    }


def event_cards(uow: UnitOfWork, actor: Actor, event_id: str) -> list[dict[str, Any]]:
    """The event's cards in the order they were issued (the detail extension `cards`)."""
    load_event(uow, actor, event_id)
    rows = uow.execute(sa.select(cards).where(cards.c.event_id == event_id).order_by(cards.c.id))
    return [card_view(r) for r in rows]


def list_cards(
    uow: UnitOfWork,
    actor: Actor,
    *,
    colour: str | None = None,
    department: str | None = None,
    mine: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
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
    if since:
        q = q.where(cards.c.issued_at >= since)
    if until:
        q = q.where(cards.c.issued_at < until)
    return [card_view(r) for r in uow.execute(q.order_by(cards.c.issued_at.desc(), cards.c.id.desc()).limit(limit))]


def card_counts(
    uow: UnitOfWork, actor: Actor, *, by: str, since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Yellow and red cards counted per department, street or community (for the cockpit)."""
    if by == "department":
        key: Any = sa.func.coalesce(cards.c.department_code, "")
    elif by in ("street", "community"):
        n = 9 if by == "street" else 12
        key = sa.func.substr(sa.func.coalesce(cards.c.grid_code, cards.c.area_code), 1, n)
    else:
        raise Invalid("by", "must be department, street or community")
    q = (
        sa.select(
            key.label("key"),
            sa.func.sum(sa.case((cards.c.colour == "yellow", 1), else_=0)).label("yellow"),
            sa.func.sum(sa.case((cards.c.colour == "red", 1), else_=0)).label("red"),
        )
        .where(visible(actor, cards))
        .group_by(key)
    )
    if since:
        q = q.where(cards.c.issued_at >= since)
    if until:
        q = q.where(cards.c.issued_at < until)
    out = []
    for r in uow.execute(q):
        k = r.key if by == "department" else r.key.ljust(12, "0")
        out.append({"key": k, "yellow": int(r.yellow or 0), "red": int(r.red or 0)})
    return sorted(out, key=lambda r: (-r["red"], -r["yellow"], r["key"]))


# --- extension (延期) and suspension (挂起) ----------------------------------------------------------


def pause_view(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in row._mapping}


def request_pause(
    uow: UnitOfWork,
    actor: Actor,
    event_id: str,
    *,
    kind: str,
    reason: str,
    value: float | None = None,
    unit: str | None = None,
) -> dict[str, Any]:
    """A handler asks for more time (extension) or to stop the clock (suspension), with a reason."""
    ev = load_event(uow, actor, event_id)
    if kind not in ("extension", "suspension"):
        raise Invalid("kind", "must be extension or suspension")
    if not (reason or "").strip():
        raise MissingField("reason")
    limit = Limit.of(value, unit, "extension") if kind == "extension" else None
    running = uow.execute(
        sa.select(sa.func.count())
        .select_from(deadlines)
        .where(deadlines.c.event_id == event_id, deadlines.c.status == "running")
    ).scalar_one()
    if not running:
        raise Conflict(
            f"event {event_id} has no running deadline to {'extend' if limit else 'suspend'}",
            field="event_id",
            rule="running_deadline",
        )
    pending = uow.execute(
        sa.select(pauses.c.id).where(pauses.c.event_id == event_id, pauses.c.status == "requested")
    ).first()
    if pending:
        raise Conflict(
            f"request {pending.id} for event {event_id} is still waiting for a decision",
            field="event_id",
            rule="one_pending_request",
        )
    now = clock.now()
    row = uow.execute(
        pauses.insert()
        .values(
            event_id=event_id,
            area_code=ev.area_code,
            kind=kind,
            status="requested",
            reason=reason.strip(),
            value=limit.value if limit else None,
            unit=limit.unit.value if limit else None,
            requested_by=actor.username,
            requested_at=now,
        )
        .returning(*pauses.c)
    ).one()
    record(
        uow,
        f"supervision:{kind}:requested",
        actor,
        event_id,
        ev.area_code,
        request_id=row.id,
        reason=row.reason,
        value=row.value,
        unit=row.unit,
    )
    return pause_view(row)


def _pause_row(uow: UnitOfWork, actor: Actor, pause_id: int) -> Any:
    row = uow.execute(sa.select(pauses).where(pauses.c.id == pause_id)).first()
    if row is None or not actor.scope.covers(row.area_code):
        raise NotFound(f"request {pause_id} not found", field="pause_id")
    return row


def decide_pause(
    uow: UnitOfWork, actor: Actor, pause_id: int, *, approve: bool, note: str | None = None
) -> dict[str, Any]:
    """An operator approves or rejects; only an approved request moves or stops the clocks."""
    if actor.role not in OPERATORS:
        raise Forbidden(f"role {actor.role} may not decide on extensions or suspensions")
    row = _pause_row(uow, actor, pause_id)
    if row.status != "requested":
        raise Conflict(f"request {pause_id} is already {row.status}", field="pause_id", rule="requested")
    if row.requested_by == actor.username and actor.role != Role.ADMIN:
        raise Forbidden("nobody approves their own request")
    if not approve and not (note or "").strip():
        raise MissingField("note")
    now = clock.now()
    if approve:
        cal, rl = working_calendar(), rules()
        live = uow.execute(
            sa.select(deadlines).where(deadlines.c.event_id == row.event_id, deadlines.c.status == "running")
        ).all()
        for d in live:
            c = _clock(d)
            values: dict[str, Any]
            if row.kind == "extension":
                c = model.extend(cal, c, Limit(row.value, Unit(row.unit)), rl.yellow_share[DeadlineKind(d.kind)])
                values = {
                    "yellow_at": c.yellow_at,
                    "due_at": c.due_at,
                    "extensions": d.extensions + 1,
                    "next_check_at": model.next_check(
                        c, yellow_issued=d.yellow_card_at is not None, red_issued=d.red_card_at is not None
                    ),
                }
            else:
                values = {"status": "paused", "paused_at": now, "next_check_at": None}
            uow.execute(deadlines.update().where(deadlines.c.id == d.id).values(**values))
    status = "approved" if approve else "rejected"
    uow.execute(
        pauses.update()
        .where(pauses.c.id == pause_id)
        .values(status=status, decided_by=actor.username, decided_at=now, decision_note=note)
    )
    record(
        uow,
        f"supervision:{row.kind}:{status}",
        actor,
        row.event_id,
        row.area_code,
        request_id=pause_id,
        note=note,
    )
    return pause_view(_pause_row(uow, actor, pause_id))


def end_suspension(uow: UnitOfWork, actor: Actor, pause_id: int) -> dict[str, Any]:
    """The clocks run again with the time they had left when the suspension began."""
    row = _pause_row(uow, actor, pause_id)
    if row.kind != "suspension" or row.status != "approved":
        raise Conflict(f"request {pause_id} is not an approved suspension", field="pause_id", rule="approved")
    now = clock.now()
    cal = working_calendar()
    for d in uow.execute(
        sa.select(deadlines).where(deadlines.c.event_id == row.event_id, deadlines.c.status == "paused")
    ).all():
        c = model.resume(cal, _clock(d), now)
        nxt = model.next_check(c, yellow_issued=d.yellow_card_at is not None, red_issued=d.red_card_at is not None)
        uow.execute(
            deadlines.update()
            .where(deadlines.c.id == d.id)
            .values(status="running", paused_at=None, yellow_at=c.yellow_at, due_at=c.due_at, next_check_at=nxt)
        )
    uow.execute(
        pauses.update().where(pauses.c.id == pause_id).values(status="ended", ended_by=actor.username, ended_at=now)
    )
    record(uow, "supervision:suspension:ended", actor, row.event_id, row.area_code, request_id=pause_id)
    return pause_view(_pause_row(uow, actor, pause_id))


def list_pauses(
    uow: UnitOfWork, actor: Actor, *, status: str | None = None, event_id: str | None = None
) -> list[dict[str, Any]]:
    q = sa.select(pauses).where(actor.scope.where(pauses.c.area_code)).order_by(pauses.c.id.desc())
    if status:
        q = q.where(pauses.c.status == status)
    if event_id:
        q = q.where(pauses.c.event_id == event_id)
    return [pause_view(r) for r in uow.execute(q.limit(500))]
