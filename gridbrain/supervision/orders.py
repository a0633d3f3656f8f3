"""Supervision orders (督办单) and the whistle with report-in (网格吹哨、部门报到)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.areas.tables import departments
from gridbrain.core import clock, ids
from gridbrain.core.auth import Actor, Role
from gridbrain.core.codes import AreaLevel, area_level
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Forbidden, Invalid, MissingField, NotFound
from gridbrain.supervision import model
from gridbrain.supervision.calendar import rules, working_calendar
from gridbrain.supervision.service import OPERATORS, load_event, record
from gridbrain.supervision.sweeper import summons_next_check
from gridbrain.supervision.tables import orders, summons, whistles

TEXT_MAX = 2000


def _text(value: str | None, field: str) -> str:
    if not (value or "").strip():
        raise MissingField(field)
    if len(value or "") > TEXT_MAX:
        raise Invalid(field, f"at most {TEXT_MAX} characters")
    return (value or "").strip()


def _row(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


# --- supervision orders ----------------------------------------------------------------------------


def order_view(row: Any, now: datetime | None = None) -> dict[str, Any]:
    out = _row(row)
    now = now or clock.now()
    late_reply = row.replied_at is not None and row.replied_at > row.due_at
    out["overdue"] = (row.status == "open" and now > row.due_at) or late_reply
    return out


def open_order(uow: UnitOfWork, actor: Actor, event_id: str, *, due_at: datetime, requirement: str) -> dict[str, Any]:
    """An operator opens a supervision order on an event in their area, with a due time and what to reply."""
    if actor.role not in OPERATORS:
        raise Forbidden(f"role {actor.role} may not open supervision orders")
    ev = load_event(uow, actor, event_id)
    text = _text(requirement, "requirement")
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=model.CHINA)
    now = clock.now()
    if due_at <= now:
        raise Invalid("due_at", "in_future", "due_at must be in the future")
    oid = ids.new_id()
    uow.execute(
        orders.insert().values(
            id=oid,
            event_id=event_id,
            area_code=ev.area_code,
            department_code=ev.department_code,
            status="open",
            requirement=text,
            opened_by=actor.username,
            opened_at=now,
            due_at=due_at,
        )
    )
    record(
        uow,
        "supervision:order:opened",
        actor,
        event_id,
        ev.area_code,
        order_id=oid,
        due_at=due_at,
        department_code=ev.department_code,
    )
    return get_order(uow, actor, oid)


def get_order(uow: UnitOfWork, actor: Actor, order_id: str) -> dict[str, Any]:
    row = uow.execute(sa.select(orders).where(orders.c.id == order_id)).first()
    if row is None or not _may_see(actor, row.area_code, row.department_code):
        raise NotFound(f"supervision order {order_id} not found", field="order_id")
    return order_view(row)


def _may_see(actor: Actor, area_code: str, department_code: str | None) -> bool:
    return actor.scope.covers(area_code) or (
        actor.department_code is not None and actor.department_code == department_code
    )


def reply_order(uow: UnitOfWork, actor: Actor, order_id: str, *, reply: str) -> dict[str, Any]:
    """The department (or an operator of the area) gives the required reply; a late one stays marked."""
    o = get_order(uow, actor, order_id)
    if actor.role != Role.ADMIN and actor.department_code != o["department_code"] and actor.role not in OPERATORS:
        raise Forbidden("only the department the order is addressed to may reply")
    if o["status"] != "open":
        raise Conflict(f"supervision order {order_id} is {o['status']}", field="order_id", rule="open")
    now = clock.now()
    uow.execute(
        orders.update()
        .where(orders.c.id == order_id)
        .values(
            status="replied",
            reply=_text(reply, "reply"),
            replied_by=actor.username,
            replied_at=now,
            overdue_at=o["overdue_at"] or (now if now > o["due_at"] else None),
        )
    )
    record(
        uow,
        "supervision:order:replied",
        actor,
        o["event_id"],
        o["area_code"],
        order_id=order_id,
        late=now > o["due_at"],
    )
    return get_order(uow, actor, order_id)


def close_order(uow: UnitOfWork, actor: Actor, order_id: str) -> dict[str, Any]:
    """The operator accepts the reply and closes the order."""
    if actor.role not in OPERATORS:
        raise Forbidden(f"role {actor.role} may not close supervision orders")
    o = get_order(uow, actor, order_id)
    if o["status"] != "replied":
        raise Conflict(
            f"supervision order {order_id} is {o['status']}; only a replied order closes",
            field="order_id",
            rule="replied",
        )
    uow.execute(
        orders.update()
        .where(orders.c.id == order_id)
        .values(status="closed", closed_by=actor.username, closed_at=clock.now())
    )
    record(uow, "supervision:order:closed", actor, o["event_id"], o["area_code"], order_id=order_id)
    return get_order(uow, actor, order_id)


def list_orders(
    uow: UnitOfWork,
    actor: Actor,
    *,
    status: str | None = None,
    event_id: str | None = None,
    overdue: bool | None = None,
) -> list[dict[str, Any]]:
    conds = [actor.scope.where(orders.c.area_code)]
    if actor.department_code:
        conds.append(orders.c.department_code == actor.department_code)
    q = sa.select(orders).where(sa.or_(*conds)).order_by(orders.c.due_at)
    if status:
        q = q.where(orders.c.status == status)
    if event_id:
        q = q.where(orders.c.event_id == event_id)
    now = clock.now()
    out = [order_view(r, now) for r in uow.execute(q.limit(500))]
    return [o for o in out if overdue is None or o["overdue"] == overdue]


# --- whistle and report-in --------------------------------------------------------------------------

WHISTLERS = {AreaLevel.GRID: "grid", AreaLevel.COMMUNITY: "community", AreaLevel.STREET: "street"}


def blow_whistle(
    uow: UnitOfWork, actor: Actor, event_id: str, *, departments_: list[str], reason: str
) -> dict[str, Any]:
    """A grid, community or street summons departments to an event (网格吹哨); each must report in."""
    if actor.role == Role.ADMIN:
        level = "street"
        blown_from = actor.area_code or ""
    else:
        lv = area_level(actor.area_code) if actor.area_code else None
        if lv not in WHISTLERS or actor.role == Role.DEPARTMENT_HANDLER:
            raise Forbidden("only a grid, a community or a street may blow the whistle")
        level, blown_from = WHISTLERS[lv], actor.area_code or ""
    ev = load_event(uow, actor, event_id)
    text = _text(reason, "reason")
    codes = [c.strip() for c in departments_ or [] if c and c.strip()]
    if not codes:
        raise MissingField("departments")
    if len(set(codes)) != len(codes):
        raise Invalid("departments", "unique", "a department is named twice")
    known = {r.code for r in uow.execute(sa.select(departments.c.code).where(departments.c.code.in_(codes)))}
    for i, c in enumerate(codes):
        if c not in known:
            raise Invalid(f"departments[{i}]", "exists", f"no department {c}")
    now = clock.now()
    cal, rl = working_calendar(), rules()
    report_due = model.add_limit(cal, now, rl.report_in)
    result_due = model.add_limit(cal, now, rl.result)
    wid = ids.new_id()
    uow.execute(
        whistles.insert().values(
            id=wid,
            event_id=event_id,
            area_code=ev.area_code,
            blown_from=blown_from or ev.area_code,
            blown_level=level,
            blown_by=actor.username,
            blown_at=now,
            reason=text,
        )
    )
    uow.execute(
        summons.insert(),
        [
            {
                "whistle_id": wid,
                "event_id": event_id,
                "area_code": ev.area_code,
                "grid_code": ev.grid_code,
                "department_code": c,
                "summoned_at": now,
                "report_in_due_at": report_due,
                "result_due_at": result_due,
                "next_check_at": report_due,
            }
            for c in codes
        ],
    )
    record(
        uow,
        "supervision:whistle:blown",
        actor,
        event_id,
        ev.area_code,
        whistle_id=wid,
        departments=codes,
        report_in_due_at=report_due,
    )
    uow.emit(
        "supervision:whistle:blown",
        whistle_id=wid,
        event_id=event_id,
        departments=codes,
        report_in_due_at=report_due.isoformat(),
    )
    return get_whistle(uow, actor, wid)


def summons_view(row: Any, now: datetime) -> dict[str, Any]:
    out = _row(row)
    s = model.Summons(row.report_in_due_at, row.result_due_at, row.reported_in_at, row.arrived_at, row.result_at)
    flags = {f.value for f in model.summons_flags(s, now)}
    if row.no_report_in_at:
        flags.add(model.SummonsFlag.NO_REPORT_IN.value)
    if row.no_result_at and row.result_at is None:
        flags.add(model.SummonsFlag.NO_RESULT.value)
    out["flags"] = sorted(flags)
    out.pop("next_check_at", None)
    return out


def get_whistle(uow: UnitOfWork, actor: Actor, whistle_id: str) -> dict[str, Any]:
    w = uow.execute(sa.select(whistles).where(whistles.c.id == whistle_id)).first()
    if w is None:
        raise NotFound(f"whistle {whistle_id} not found", field="whistle_id")
    rows = uow.execute(sa.select(summons).where(summons.c.whistle_id == whistle_id).order_by(summons.c.id)).all()
    sc = actor.scope
    seen = sc.covers(w.area_code) or sc.covers(w.blown_from) or any(sc.covers(r.grid_code) for r in rows)
    if not seen and not any(r.department_code == actor.department_code for r in rows):
        raise NotFound(f"whistle {whistle_id} not found", field="whistle_id")
    now = clock.now()
    return {**_row(w), "summons": [summons_view(r, now) for r in rows]}


def list_whistles(uow: UnitOfWork, actor: Actor, *, event_id: str | None = None) -> list[dict[str, Any]]:
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


def report_in(uow: UnitOfWork, actor: Actor, summons_id: int, *, attendees: str) -> dict[str, Any]:
    """The summoned department acknowledges and names who comes (部门报到)."""
    s = _summons_for(uow, actor, summons_id)
    if s.reported_in_at is not None:
        raise Conflict(f"department {s.department_code} already reported in", field="summons_id", rule="once")
    now = clock.now()
    values = {
        "reported_in_at": now,
        "reported_in_by": actor.username,
        "attendees": _text(attendees, "attendees"),
    }
    values["next_check_at"] = summons_next_check(s, values)
    uow.execute(summons.update().where(summons.c.id == summons_id).values(**values))
    record(
        uow,
        "supervision:summons:reported_in",
        actor,
        s.event_id,
        s.area_code,
        summons_id=summons_id,
        department_code=s.department_code,
        late=now > s.report_in_due_at,
    )
    return get_whistle(uow, actor, s.whistle_id)


def arrive(uow: UnitOfWork, actor: Actor, summons_id: int) -> dict[str, Any]:
    """The department's people are on site."""
    s = _summons_for(uow, actor, summons_id)
    if s.reported_in_at is None:
        raise Conflict("report in before arriving", field="summons_id", rule="reported_in")
    if s.arrived_at is not None:
        raise Conflict("arrival already reported", field="summons_id", rule="once")
    uow.execute(summons.update().where(summons.c.id == summons_id).values(arrived_at=clock.now()))
    record(
        uow,
        "supervision:summons:arrived",
        actor,
        s.event_id,
        s.area_code,
        summons_id=summons_id,
        department_code=s.department_code,
    )
    return get_whistle(uow, actor, s.whistle_id)


def report_result(uow: UnitOfWork, actor: Actor, summons_id: int, *, result: str) -> dict[str, Any]:
    """What the department did on site; without it the report-in counts as 人到无效."""
    s = _summons_for(uow, actor, summons_id)
    if s.arrived_at is None:
        raise Conflict("report arrival on site before the result", field="summons_id", rule="arrived")
    if s.result_at is not None:
        raise Conflict("result already reported", field="summons_id", rule="once")
    uow.execute(
        summons.update()
        .where(summons.c.id == summons_id)
        .values(result_at=clock.now(), result=_text(result, "result"), next_check_at=None)
    )
    record(
        uow,
        "supervision:summons:result",
        actor,
        s.event_id,
        s.area_code,
        summons_id=summons_id,
        department_code=s.department_code,
    )
    return get_whistle(uow, actor, s.whistle_id)
