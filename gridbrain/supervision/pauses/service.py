"""Extension (延期) and suspension (挂起) requests: asked by a handler, decided by an operator;
only an approved one moves or stops the event's clocks. The caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.auth import Actor, Role
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Forbidden, NotFound
from gridbrain.supervision import model
from gridbrain.supervision.access import OPERATORS, load_event, record
from gridbrain.supervision.calendar import rules, working_calendar
from gridbrain.supervision.model import DeadlineKind, Limit, Unit
from gridbrain.supervision.pauses.model import Decide, PauseKind, PauseRequest, PauseState, RequestPause, decided, ended
from gridbrain.supervision.tables import deadlines, pauses


@dataclass(frozen=True)
class PauseView:
    """An extension or suspension request and its decision."""

    id: int
    event_id: str
    area_code: str
    kind: str
    status: str
    reason: str
    value: float | None
    unit: str | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    ended_by: str | None
    ended_at: datetime | None


def _view(row: Any) -> PauseView:
    return PauseView(**dict(row._mapping))


def _request(row: Any) -> PauseRequest:
    return PauseRequest(row.id, PauseKind(row.kind), PauseState(row.status), row.requested_by)


def _check_open(uow: UnitOfWork, event_id: str, kind: PauseKind) -> None:
    running = uow.execute(
        sa.select(sa.func.count())
        .select_from(deadlines)
        .where(deadlines.c.event_id == event_id, deadlines.c.status == "running")
    ).scalar_one()
    if not running:
        verb = "extend" if kind == PauseKind.EXTENSION else "suspend"
        raise Conflict(f"event {event_id} has no running deadline to {verb}", field="event_id", rule="running_deadline")
    pending = uow.execute(
        sa.select(pauses.c.id).where(pauses.c.event_id == event_id, pauses.c.status == PauseState.REQUESTED)
    ).first()
    if pending:
        raise Conflict(
            f"request {pending.id} for event {event_id} is still waiting for a decision",
            field="event_id",
            rule="one_pending_request",
        )


def request_pause(uow: UnitOfWork, actor: Actor, cmd: RequestPause) -> PauseView:
    """A handler asks for more time (extension) or to stop the clock (suspension), with a reason."""
    ev = load_event(uow, actor, cmd.event_id)
    _check_open(uow, cmd.event_id, cmd.kind)
    row = uow.execute(
        pauses.insert()
        .values(
            event_id=cmd.event_id,
            area_code=ev.area_code,
            kind=cmd.kind.value,
            status=PauseState.REQUESTED.value,
            reason=cmd.reason,
            value=cmd.extra.value if cmd.extra else None,
            unit=cmd.extra.unit.value if cmd.extra else None,
            requested_by=actor.username,
            requested_at=clock.now(),
        )
        .returning(*pauses.c)
    ).one()
    detail = {"request_id": row.id, "reason": row.reason, "value": row.value, "unit": row.unit}
    record(uow, f"supervision:{cmd.kind}:requested", actor, cmd.event_id, ev.area_code, **detail)
    return _view(row)


def _pause_row(uow: UnitOfWork, actor: Actor, pause_id: int) -> Any:
    row = uow.execute(sa.select(pauses).where(pauses.c.id == pause_id)).first()
    if row is None or not actor.scope.covers(row.area_code):
        raise NotFound(f"request {pause_id} not found", field="pause_id")
    return row


def _apply_approval(uow: UnitOfWork, row: Any, now: datetime) -> None:
    """An approved extension moves the running clocks' times; a suspension stops them."""
    cal, rl = working_calendar(), rules()
    live = uow.execute(
        sa.select(deadlines).where(deadlines.c.event_id == row.event_id, deadlines.c.status == "running")
    ).all()
    for d in live:
        values: dict[str, object]
        if row.kind == PauseKind.EXTENSION:
            share = rl.yellow_share[DeadlineKind(d.kind)]
            c = model.extend(cal, _clock(d), Limit(row.value, Unit(row.unit)), share)
            nxt = model.next_check(c, yellow_issued=d.yellow_card_at is not None, red_issued=d.red_card_at is not None)
            values = {
                "yellow_at": c.yellow_at,
                "due_at": c.due_at,
                "extensions": d.extensions + 1,
                "next_check_at": nxt,
            }
        else:
            values = {"status": "paused", "paused_at": now, "next_check_at": None}
        uow.execute(deadlines.update().where(deadlines.c.id == d.id).values(**values))


def _clock(row: Any) -> model.Clock:
    return model.Clock(Unit(row.unit), row.started_at, row.yellow_at, row.due_at, row.paused_at)


def decide_pause(uow: UnitOfWork, actor: Actor, cmd: Decide) -> PauseView:
    """An operator approves or rejects; only an approved request moves or stops the clocks."""
    if actor.role not in OPERATORS:
        raise Forbidden(f"role {actor.role} may not decide on extensions or suspensions")
    row = _pause_row(uow, actor, cmd.pause_id)
    after = decided(_request(row), cmd, by=actor.username, may_decide_own=actor.role == Role.ADMIN)
    now = clock.now()
    if cmd.approve:
        _apply_approval(uow, row, now)
    uow.execute(
        pauses.update()
        .where(pauses.c.id == cmd.pause_id)
        .values(status=after.status.value, decided_by=actor.username, decided_at=now, decision_note=cmd.note)
    )
    tag = f"supervision:{row.kind}:{after.status}"
    record(uow, tag, actor, row.event_id, row.area_code, request_id=cmd.pause_id, note=cmd.note)
    return _view(_pause_row(uow, actor, cmd.pause_id))


def end_suspension(uow: UnitOfWork, actor: Actor, pause_id: int) -> PauseView:
    """The clocks run again with the time they had left when the suspension began."""
    row = _pause_row(uow, actor, pause_id)
    ended(_request(row))
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
        pauses.update()
        .where(pauses.c.id == pause_id)
        .values(status=PauseState.ENDED.value, ended_by=actor.username, ended_at=now)
    )
    record(uow, "supervision:suspension:ended", actor, row.event_id, row.area_code, request_id=pause_id)
    return _view(_pause_row(uow, actor, pause_id))


def list_pauses(
    uow: UnitOfWork, actor: Actor, *, status: str | None = None, event_id: str | None = None
) -> list[PauseView]:
    """Extension and suspension requests in the actor's area, newest first."""
    q = sa.select(pauses).where(actor.scope.where(pauses.c.area_code)).order_by(pauses.c.id.desc())
    if status:
        q = q.where(pauses.c.status == status)
    if event_id:
        q = q.where(pauses.c.event_id == event_id)
    return [_view(r) for r in uow.execute(q.limit(500))]
