"""The whistle and report-in (网格吹哨、部门报到): a grid, community or street summons departments
to an event; each reports in, arrives and reports its result. The lifecycle is in
`orders/model.py`; the sweeper records 吹哨不到 and 人到无效; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.areas.tables import departments
from gridbrain.core import clock, ids
from gridbrain.core.auth import Actor, Role
from gridbrain.core.codes import AreaLevel, area_level
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Forbidden, Invalid, NotFound
from gridbrain.core.levels import Level
from gridbrain.supervision import model as deadlines_model
from gridbrain.supervision import signals
from gridbrain.supervision.access import load_event, record
from gridbrain.supervision.calendar import rules, working_calendar
from gridbrain.supervision.orders import model
from gridbrain.supervision.orders.model import BlowWhistle, ReportIn, ReportResult, Summons
from gridbrain.supervision.tables import summons, whistles

WHISTLERS = {AreaLevel.GRID: Level.GRID, AreaLevel.COMMUNITY: Level.COMMUNITY, AreaLevel.STREET: Level.STREET}


@dataclass(frozen=True)
class SummonsView:
    """One summoned department: its deadlines, its report-in and its flags."""

    id: int
    whistle_id: str
    event_id: str
    area_code: str
    grid_code: str | None
    department_code: str
    summoned_at: datetime
    report_in_due_at: datetime
    result_due_at: datetime
    reported_in_at: datetime | None
    reported_in_by: str | None
    attendees: str | None
    arrived_at: datetime | None
    result_at: datetime | None
    result: str | None
    no_report_in_at: datetime | None
    no_result_at: datetime | None
    state: str
    flags: list[str]


@dataclass(frozen=True)
class WhistleView:
    """A whistle with every department it summoned."""

    id: str
    event_id: str
    area_code: str
    blown_from: str
    blown_level: str
    blown_by: str
    blown_at: datetime
    reason: str
    summons: list[SummonsView]


def _summons(row: Any) -> Summons:
    return Summons(
        row.report_in_due_at,
        row.result_due_at,
        row.reported_in_at,
        row.arrived_at,
        row.result_at,
        row.no_report_in_at,
        row.no_result_at,
        id=row.id,
    )


def summons_view(row: Any, now: datetime) -> SummonsView:
    s = _summons(row)
    fields = {k: v for k, v in row._mapping.items() if k in SummonsView.__dataclass_fields__}
    return SummonsView(**fields, state=s.state.value, flags=model.shown_flags(s, now))


def _whistler(actor: Actor) -> tuple[Level, str]:
    """The level blowing and its area: a grid, a community or a street (an admin as a street)."""
    if actor.role == Role.ADMIN:
        return Level.STREET, actor.area_code or ""
    lv = area_level(actor.area_code) if actor.area_code else None
    if lv not in WHISTLERS or actor.role == Role.DEPARTMENT_HANDLER:
        raise Forbidden("only a grid, a community or a street may blow the whistle")
    return WHISTLERS[lv], actor.area_code or ""


def _known_departments(uow: UnitOfWork, codes: list[str]) -> None:
    known = {r.code for r in uow.execute(sa.select(departments.c.code).where(departments.c.code.in_(codes)))}
    for i, c in enumerate(codes):
        if c not in known:
            raise Invalid(f"departments[{i}]", "exists", f"no department {c}")


def blow_whistle(uow: UnitOfWork, actor: Actor, cmd: BlowWhistle) -> WhistleView:
    """A grid, community or street summons departments to an event (网格吹哨); each must report in."""
    level, blown_from = _whistler(actor)
    ev = load_event(uow, actor, cmd.event_id)
    reason = model.text(cmd.reason, "reason")
    codes = model.whistle_departments(cmd)
    _known_departments(uow, codes)
    now = clock.now()
    cal, rl = working_calendar(), rules()
    report_due = deadlines_model.add_limit(cal, now, rl.report_in)
    result_due = deadlines_model.add_limit(cal, now, rl.result)
    wid = ids.new_id()
    uow.execute(
        whistles.insert().values(
            id=wid,
            event_id=cmd.event_id,
            area_code=ev.area_code,
            blown_from=blown_from or ev.area_code,
            blown_level=level.value,
            blown_by=actor.username,
            blown_at=now,
            reason=reason,
        )
    )
    base = {"whistle_id": wid, "event_id": cmd.event_id, "area_code": ev.area_code, "grid_code": ev.grid_code}
    dues = {"summoned_at": now, "report_in_due_at": report_due, "result_due_at": result_due}
    rows = uow.execute(
        summons.insert().returning(summons.c.id, summons.c.department_code),
        [{**base, **dues, "department_code": c, "next_check_at": report_due} for c in codes],
    ).all()
    tag = "supervision:whistle:blown"
    record(uow, tag, actor, cmd.event_id, ev.area_code, whistle_id=wid, departments=codes, report_in_due_at=report_due)
    uow.emit(signals.WhistleBlown(wid, cmd.event_id, ev.area_code, tuple(codes), report_due, now))
    for r in rows:
        uow.emit(signals.SummonsIssued(r.id, wid, cmd.event_id, r.department_code, now, report_in_due_at=report_due))
    return get_whistle(uow, actor, wid)


def get_whistle(uow: UnitOfWork, actor: Actor, whistle_id: str) -> WhistleView:
    """A whistle the actor may see: of their area, blown from it, or summoning their department."""
    w = uow.execute(sa.select(whistles).where(whistles.c.id == whistle_id)).first()
    if w is None:
        raise NotFound(f"whistle {whistle_id} not found", field="whistle_id")
    rows = uow.execute(sa.select(summons).where(summons.c.whistle_id == whistle_id).order_by(summons.c.id)).all()
    sc = actor.scope
    seen = sc.covers(w.area_code) or sc.covers(w.blown_from) or any(sc.covers(r.grid_code) for r in rows)
    if not seen and not any(r.department_code == actor.department_code for r in rows):
        raise NotFound(f"whistle {whistle_id} not found", field="whistle_id")
    now = clock.now()
    return WhistleView(**dict(w._mapping), summons=[summons_view(r, now) for r in rows])


def list_whistles(uow: UnitOfWork, actor: Actor, *, event_id: str | None = None) -> list[WhistleView]:
    """Whistles of the actor's area or blown from it, newest first."""
    q = (
        sa.select(whistles.c.id)
        .where(sa.or_(actor.scope.where(whistles.c.area_code), actor.scope.where(whistles.c.blown_from)))
        .order_by(whistles.c.blown_at.desc())
    )
    if event_id:
        q = q.where(whistles.c.event_id == event_id)
    return [get_whistle(uow, actor, r.id) for r in uow.execute(q.limit(200))]


def _summons_for(uow: UnitOfWork, actor: Actor, summons_id: int) -> Any:
    s = uow.execute(sa.select(summons).where(summons.c.id == summons_id)).first()
    if s is None or not (actor.scope.covers(s.area_code) or actor.department_code == s.department_code):
        raise NotFound(f"summons {summons_id} not found", field="summons_id")
    if actor.role != Role.ADMIN and actor.department_code != s.department_code:
        raise Forbidden(f"only department {s.department_code} reports in for itself")
    return s


def _store(uow: UnitOfWork, row: Any, after: Summons, **values: object) -> None:
    values["next_check_at"] = model.summons_next_check(after)
    uow.execute(summons.update().where(summons.c.id == row.id).values(**values))


def report_in(uow: UnitOfWork, actor: Actor, cmd: ReportIn) -> WhistleView:
    """The summoned department acknowledges and names who comes (部门报到)."""
    row = _summons_for(uow, actor, cmd.summons_id)
    now = clock.now()
    after = model.reported_in(_summons(row), at=now)
    attendees = model.text(cmd.attendees, "attendees")
    _store(uow, row, after, reported_in_at=now, reported_in_by=actor.username, attendees=attendees)
    late = now > row.report_in_due_at
    detail = {"summons_id": row.id, "department_code": row.department_code, "late": late}
    record(uow, "supervision:summons:reported_in", actor, row.event_id, row.area_code, **detail)
    uow.emit(signals.ReportedIn(row.id, row.whistle_id, row.event_id, row.department_code, now, late=late))
    return get_whistle(uow, actor, row.whistle_id)


def arrive(uow: UnitOfWork, actor: Actor, summons_id: int) -> WhistleView:
    """The department's people are on site."""
    row = _summons_for(uow, actor, summons_id)
    now = clock.now()
    _store(uow, row, model.arrived(_summons(row), at=now), arrived_at=now)
    detail = {"summons_id": summons_id, "department_code": row.department_code}
    record(uow, "supervision:summons:arrived", actor, row.event_id, row.area_code, **detail)
    uow.emit(signals.ArrivedOnSite(row.id, row.whistle_id, row.event_id, row.department_code, now))
    return get_whistle(uow, actor, row.whistle_id)


def report_result(uow: UnitOfWork, actor: Actor, cmd: ReportResult) -> WhistleView:
    """What the department did on site; without it the report-in counts as 人到无效."""
    row = _summons_for(uow, actor, cmd.summons_id)
    now = clock.now()
    after = model.result_reported(_summons(row), at=now)
    _store(uow, row, after, result_at=now, result=model.text(cmd.result, "result"))
    detail = {"summons_id": row.id, "department_code": row.department_code}
    record(uow, "supervision:summons:result", actor, row.event_id, row.area_code, **detail)
    uow.emit(signals.ResultReported(row.id, row.whistle_id, row.event_id, row.department_code, now))
    return get_whistle(uow, actor, row.whistle_id)


def sweep_one(uow: UnitOfWork, row: Any, actor: Actor, now: datetime) -> list[model.SummonsFlag]:
    """The sweeper's look at one summons: records 吹哨不到 / 人到无效 once each; the flags recorded."""
    after, new = model.swept(_summons(row), now)
    detail = {"department_code": row.department_code, "whistle_id": row.whistle_id}
    for flag in new:
        record(uow, f"supervision:summons:{flag}", actor, row.event_id, row.area_code, **detail)
        kind = signals.ReportInMissed if flag == model.SummonsFlag.NO_REPORT_IN else signals.ResultMissed
        uow.emit(kind(row.id, row.whistle_id, row.event_id, row.department_code, now))
    _store(uow, row, after, no_report_in_at=after.no_report_in_at, no_result_at=after.no_result_at)
    return new
