"""Supervision orders (督办单): an operator opens one on an event with a due time and the reply
required; the department replies; the operator closes it. The lifecycle is in `orders/model.py`;
the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.core import clock, ids
from gridbrain.core.auth import Actor, Role
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Forbidden, NotFound
from gridbrain.supervision import signals
from gridbrain.supervision.access import OPERATORS, load_event, record
from gridbrain.supervision.orders import model
from gridbrain.supervision.orders.model import OpenOrder, Order, OrderState, ReplyOrder
from gridbrain.supervision.tables import orders


@dataclass(frozen=True)
class OrderView:
    """A supervision order as the API shows it."""

    id: str
    event_id: str
    area_code: str
    department_code: str | None
    status: str
    requirement: str
    opened_by: str
    opened_at: datetime
    due_at: datetime
    reply: str | None
    replied_by: str | None
    replied_at: datetime | None
    overdue_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    overdue: bool


def _order(row: Any) -> Order:
    return Order(row.id, OrderState(row.status), row.due_at, row.replied_at, row.overdue_at, row.closed_at)


def order_view(row: Any, now: datetime | None = None) -> OrderView:
    fields = {k: v for k, v in row._mapping.items() if k in OrderView.__dataclass_fields__}
    return OrderView(**fields, overdue=_order(row).overdue(now or clock.now()))


def _may_see(actor: Actor, area_code: str, department_code: str | None) -> bool:
    return actor.scope.covers(area_code) or (
        actor.department_code is not None and actor.department_code == department_code
    )


def _row(uow: UnitOfWork, actor: Actor, order_id: str) -> Any:
    row = uow.execute(sa.select(orders).where(orders.c.id == order_id)).first()
    if row is None or not _may_see(actor, row.area_code, row.department_code):
        raise NotFound(f"supervision order {order_id} not found", field="order_id")
    return row


def get_order(uow: UnitOfWork, actor: Actor, order_id: str) -> OrderView:
    """One order the actor may see (its area's, or addressed to their department)."""
    return order_view(_row(uow, actor, order_id))


def open_order(uow: UnitOfWork, actor: Actor, cmd: OpenOrder) -> OrderView:
    """An operator opens a supervision order on an event in their area, with a due time and what to reply."""
    if actor.role not in OPERATORS:
        raise Forbidden(f"role {actor.role} may not open supervision orders")
    ev = load_event(uow, actor, cmd.event_id)
    now = clock.now()
    order, requirement = model.opened(
        ids.new_id(), OpenOrder(cmd.event_id, clock.aware(cmd.due_at), cmd.requirement), at=now
    )
    uow.execute(
        orders.insert().values(
            id=order.id,
            event_id=cmd.event_id,
            area_code=ev.area_code,
            department_code=ev.department_code,
            status=order.status.value,
            requirement=requirement,
            opened_by=actor.username,
            opened_at=now,
            due_at=order.due_at,
        )
    )
    record(
        uow,
        "supervision:order:opened",
        actor,
        cmd.event_id,
        ev.area_code,
        order_id=order.id,
        due_at=order.due_at,
        department_code=ev.department_code,
    )
    uow.emit(signals.OrderOpened(order.id, cmd.event_id, ev.department_code, now, due_at=order.due_at))
    return get_order(uow, actor, order.id)


def reply_order(uow: UnitOfWork, actor: Actor, cmd: ReplyOrder) -> OrderView:
    """The department (or an operator of the area) gives the required reply; a late one stays marked."""
    row = _row(uow, actor, cmd.order_id)
    if actor.role != Role.ADMIN and actor.department_code != row.department_code and actor.role not in OPERATORS:
        raise Forbidden("only the department the order is addressed to may reply")
    now = clock.now()
    after, reply = model.replied(_order(row), cmd, at=now)
    uow.execute(
        orders.update()
        .where(orders.c.id == cmd.order_id)
        .values(
            status=after.status.value,
            reply=reply,
            replied_by=actor.username,
            replied_at=now,
            overdue_at=after.overdue_at,
        )
    )
    late = now > row.due_at
    record(uow, "supervision:order:replied", actor, row.event_id, row.area_code, order_id=cmd.order_id, late=late)
    uow.emit(signals.OrderReplied(cmd.order_id, row.event_id, row.department_code, now, late=late))
    return get_order(uow, actor, cmd.order_id)


def close_order(uow: UnitOfWork, actor: Actor, order_id: str) -> OrderView:
    """The operator accepts the reply and closes the order."""
    if actor.role not in OPERATORS:
        raise Forbidden(f"role {actor.role} may not close supervision orders")
    row = _row(uow, actor, order_id)
    now = clock.now()
    after = model.closed(_order(row), at=now)
    uow.execute(
        orders.update()
        .where(orders.c.id == order_id)
        .values(status=after.status.value, closed_by=actor.username, closed_at=now)
    )
    record(uow, "supervision:order:closed", actor, row.event_id, row.area_code, order_id=order_id)
    uow.emit(signals.OrderClosed(order_id, row.event_id, row.department_code, now))
    return get_order(uow, actor, order_id)


def list_orders(
    uow: UnitOfWork,
    actor: Actor,
    *,
    status: str | None = None,
    event_id: str | None = None,
    overdue: bool | None = None,
) -> list[OrderView]:
    """Orders of the actor's area or addressed to their department, soonest due first."""
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
    return [o for o in out if overdue is None or o.overdue == overdue]


def mark_overdue(uow: UnitOfWork, row: Any, actor: Actor, now: datetime) -> bool:
    """The sweeper marks one open order whose reply is late, once."""
    after = model.marked_overdue(_order(row), at=now)
    if after is None:
        return False
    uow.execute(orders.update().where(orders.c.id == row.id).values(overdue_at=after.overdue_at))
    record(uow, "supervision:order:overdue", actor, row.event_id, row.area_code, order_id=row.id)
    uow.emit(signals.OrderOverdue(row.id, row.event_id, row.department_code, now))
    return True
