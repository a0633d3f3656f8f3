"""The clocks of an event: started when it is dispatched, met, ended, restarted on a re-dispatch.

The event hub tells supervision what happened through its typed signals (`EventChanged` and its
kinds), delivered inside its own transaction; `on_events` turns them into clock changes. Services
never commit: the caller's unit of work does, so a change and its audit entries are durable
together.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.catalog.model import Nature
from gridbrain.core import audit, clock
from gridbrain.core.db import UnitOfWork, insert_many, one_of
from gridbrain.events.signals import (
    EventAccepted,
    EventCancelled,
    EventChanged,
    EventClosed,
    EventDispatched,
    EventEscalated,
    EventHandled,
    EventReopened,
    EventRerouted,
    EventReturned,
)
from gridbrain.supervision import event_reads, model
from gridbrain.supervision.access import SWEEPER, record
from gridbrain.supervision.calendar import rules, working_calendar
from gridbrain.supervision.event_reads import Routing
from gridbrain.supervision.model import DeadlineKind, Limit, Unit
from gridbrain.supervision.tables import deadlines

log = logging.getLogger(__name__)

LIVE = ("running", "paused")

# the kinds of signal that (re)start the clocks for a new handler, and the cause recorded
RESTART: dict[type[EventChanged], str] = {
    EventDispatched: "dispatched",
    EventRerouted: "rerouted",
    EventEscalated: "escalated",
    EventReopened: "reopened",
}
# the kinds that meet deadlines: the step each clock waits for happened
MEETS: dict[type[EventChanged], tuple[DeadlineKind, ...]] = {
    EventAccepted: (DeadlineKind.RESPONSE,),
    EventHandled: (DeadlineKind.RESPONSE, DeadlineKind.DISPOSAL),
}
# the kinds that end the live clocks, and the reason recorded
ENDS: dict[type[EventChanged], str] = {EventReturned: "returned", EventCancelled: "cancelled", EventClosed: "closed"}


@dataclass(frozen=True)
class StartRound:
    """Start new clocks for an event's current handler (a command of `start_rounds`).

    `routing`: the event's routing as the signal carried it (None: read it from the event hub);
    `first`: dispatched straight from reported, so there is no earlier round to look for."""

    event_id: str
    at: datetime
    cause: str = "dispatched"
    routing: Routing | None = None
    first: bool = False


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
    return start_rounds(uow, [StartRound(event_id, at, cause)]).get(event_id)


def _routings(uow: UnitOfWork, starts: Sequence[StartRound]) -> dict[str, Routing]:
    out = {s.event_id: s.routing for s in starts if s.routing is not None}
    out.update(event_reads.events_by_id(uow, [s.event_id for s in starts if s.event_id not in out]))
    return out


def _previous_rounds(uow: UnitOfWork, starts: Sequence[StartRound]) -> dict[str, Any]:
    """The newest round of each event that may have one."""
    ids = [s.event_id for s in starts if not s.first]
    previous: dict[str, Any] = {}
    if ids:
        for r in uow.execute(
            sa.select(deadlines.c.event_id, deadlines.c.department_code, deadlines.c.round, deadlines.c.started_at)
            .where(one_of(deadlines.c.event_id, ids, postgres=uow.postgres))
            .order_by(deadlines.c.event_id, deadlines.c.round.desc())
        ):
            previous.setdefault(r.event_id, r)
    return previous


def _clock_row(
    ev: Routing, kind: DeadlineKind, limit: Limit, c: model.Clock, s: StartRound, rnd: int, prev: Any
) -> dict[str, Any]:
    return {
        "event_id": ev.event_id,
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
        "cause": s.cause,
        "previous_department_code": prev.department_code if prev else None,
        "started_at": s.at,
        "yellow_at": c.yellow_at,
        "due_at": c.due_at,
        "next_check_at": c.yellow_at,
    }


def start_rounds(uow: UnitOfWork, starts: Sequence[StartRound]) -> dict[str, int]:
    """`start_round` for many events at once (an event at most once), in a few statements
    whatever their number (a batch of reports). Answers the round started per event (events
    that already had this dispatch's clocks, or have no deadlines, are left out)."""
    if not starts:
        return {}
    if len({s.event_id for s in starts}) != len(starts):
        raise ValueError("start_rounds takes each event once")
    evs, previous = _routings(uow, starts), _previous_rounds(uow, starts)
    cal, rl = working_calendar(), rules()
    clocks: dict[tuple[datetime, Limit, float], model.Clock] = {}  # a batch shares its start time
    rows: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    started: dict[str, int] = {}
    for s in starts:
        ev, prev = evs.get(s.event_id), previous.get(s.event_id)
        if ev is None:
            continue
        if prev is not None and prev.started_at >= s.at and prev.department_code == ev.department_code:
            continue  # this dispatch already has its clocks (a repeated signal, or reconcile came first)
        if prev is not None:
            _end_live(uow, s.event_id, s.at, "ended", "superseded")
        limits = _limits(ev.matter_code, ev.nature)
        if limits is None:
            continue
        rnd = (prev.round if prev else 0) + 1
        dues = {}
        for kind, limit in limits.items():
            key = (s.at, limit, rl.yellow_share[kind])
            c = clocks.get(key) or clocks.setdefault(key, model.start_clock(cal, s.at, limit, rl.yellow_share[kind]))
            rows.append(_clock_row(ev, kind, limit, c, s, rnd, prev))
            dues[f"{kind.value}_due_at"] = c.due_at.isoformat()
        started[s.event_id] = rnd
        detail = {"round": rnd, "cause": s.cause, "department_code": ev.department_code, **dues}
        entries.append(
            audit.entry(
                "supervision:deadline:started",
                actor=SWEEPER,
                subject_id=s.event_id,
                area_code=ev.area_code,
                detail=detail,
            )
        )
    with uow.pipeline():  # writes only: one round trip
        insert_many(uow, deadlines, rows)
        audit.record_many(uow, entries)
    return started


def reconcile(uow: UnitOfWork, *, older_than: timedelta = timedelta(minutes=5), limit: int = 1000) -> int:
    """Start the clocks of dispatched events whose signal was lost (a crash between the hub's
    commit and our handler): open events dispatched a while ago with no round since."""
    lost = event_reads.dispatched_without_round(uow, dispatched_before=clock.now() - older_than, limit=limit)
    for event_id, at in lost:
        start_round(uow, event_id, at=at, cause="dispatched")
    return len(lost)


def meet(uow: UnitOfWork, event_id: str, kinds: Iterable[DeadlineKind], *, at: datetime) -> int:
    """The expected step happened (accepted: response; handled: disposal)."""
    n = _end_live(uow, event_id, at, "met", None, [k.value for k in kinds])
    if n:
        record(uow, "supervision:deadline:met", SWEEPER, event_id, None, kinds=[k.value for k in kinds])
    return n


def end(uow: UnitOfWork, event_id: str, *, at: datetime, reason: str) -> int:
    """The event left its handler (returned, cancelled, closed): its live clocks end."""
    n = _end_live(uow, event_id, at, "ended", reason)
    if n:
        record(uow, "supervision:deadline:ended", SWEEPER, event_id, None, reason=reason)
    return n


def _restart_cause(sig: EventChanged) -> str | None:
    for kind, cause in RESTART.items():
        if isinstance(sig, kind) and sig.to_status == "dispatched":
            return cause
    return None


def _apply(uow: UnitOfWork, sig: EventChanged) -> None:
    """One signal that does not start clocks."""
    at = clock.aware(sig.at)
    for kind, met in MEETS.items():
        if isinstance(sig, kind):
            meet(uow, sig.event_id, met, at=at)
            return
    for kind, reason in ENDS.items():
        if isinstance(sig, kind):
            if isinstance(sig, EventCancelled) and sig.from_status == "reported":
                return  # cancelled as it was reported (a duplicate linked at intake): it never had clocks
            end(uow, sig.event_id, at=at, reason=reason)
            return


def on_events(uow: UnitOfWork, batch: Sequence[EventChanged]) -> None:
    """Apply the event hub's signals to the clocks (the caller commits), in order for each event;
    clock starts of different events — a batch of reports — go in together (`start_rounds`)."""
    run: list[StartRound] = []
    waiting: set[str] = set()
    for sig in batch:
        if sig.event_id in waiting:  # this event's earlier start goes first
            start_rounds(uow, run)
            run, waiting = [], set()
        cause = _restart_cause(sig)
        if cause is not None:
            first = sig.from_status == "reported"
            run.append(StartRound(sig.event_id, clock.aware(sig.at), cause, Routing.of_signal(sig), first))
            waiting.add(sig.event_id)
        else:
            _apply(uow, sig)
    start_rounds(uow, run)
