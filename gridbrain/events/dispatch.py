"""Dispatch (派单): from a catalog decision and a place to a level, a department and a person.

The catalog names a department *type* per level; the concrete department is
`"<area prefix>:<type>"` of the event's grid / community / street / district. Level `grid` means
the grid worker of that grid. The out-of-list filter (清单外事项下派过滤) lifts a matter that is
not on the grid workers' list off the grid unless an approved delegation covers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.areas.tables import departments
from gridbrain.catalog.model import Matter
from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor, Role
from gridbrain.core.codes import CodeError, area_level
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, MissingField
from gridbrain.core.scoping import Scope
from gridbrain.core.tables import users
from gridbrain.events import model
from gridbrain.events.tables import event_delegations, events


@dataclass(frozen=True)
class Target:
    """Where an event is sent."""

    level: str
    department_code: str
    area_code: str  # the area that handles it (scoping)
    assignee: str | None = None
    filtered: bool = False  # lifted off the grid by the out-of-list filter


def delegated(uow: UnitOfWork, matter_code: str, grid_code: str) -> bool:
    """True when an approved, unrevoked delegation of the matter covers the grid."""
    rows = uow.execute(
        sa.select(event_delegations.c.area_code).where(
            event_delegations.c.matter_code == matter_code, event_delegations.c.revoked_at.is_(None)
        )
    )
    return any(grid_code.startswith(Scope.of_area(r.area_code).prefix or "") for r in rows)


# built once (they run for nearly every report); the values come as parameters at execution
_GRID_WORKER = (
    sa.select(users.c.username)
    .where(users.c.role == Role.GRID_WORKER, users.c.area_code == sa.bindparam("grid"), users.c.active)
    .order_by(users.c.id)
    .limit(1)
)
_DEPARTMENT = sa.select(departments.c.code).where(departments.c.code == sa.bindparam("code"))


def grid_worker_of(uow: UnitOfWork, grid_code: str) -> str | None:
    row = uow.execute(_GRID_WORKER, {"grid": grid_code}).first()
    return row.username if row else None


def department_exists(uow: UnitOfWork, code: str) -> bool:
    return uow.execute(_DEPARTMENT, {"code": code}).first() is not None


def resolve(uow: UnitOfWork, matter: Matter, level: str, grid_code: str) -> Target | None:
    """The department of `matter` at `level` for an event in `grid_code`, after the out-of-list
    filter; None when that department does not exist (the event then goes to triage)."""
    depts = {str(k): v for k, v in matter.departments.items()}
    allowed_on_grid = matter.grid_list or (level == "grid" and delegated(uow, matter.code, grid_code))
    routing = model.route(level, depts, in_grid_list=matter.grid_list, delegated=allowed_on_grid)
    area = model.area_at_level(grid_code, routing.level)
    if routing.level == "grid":
        return Target("grid", f"{grid_code}:grid", grid_code, grid_worker_of(uow, grid_code), routing.filtered)
    code = f"{Scope.of_area(area).prefix}:{routing.department_type}"
    if not department_exists(uow, code):
        return None
    return Target(routing.level, code, area, None, routing.filtered)


def explicit(uow: UnitOfWork, matter: Matter | None, department_code: str, grid_code: str | None) -> Target:
    """An operator's own choice of department; the out-of-list filter still applies to grids."""
    prefix, _, type_code = department_code.partition(":")
    if not type_code:
        raise Invalid("department_code", "'<area prefix>:<type>'")
    if type_code == "grid":
        if len(prefix) != 15:
            raise Invalid("department_code", "a grid department is '<15-digit grid code>:grid'")
        if matter is not None and not matter.grid_list and not delegated(uow, matter.code, prefix):
            raise Invalid(
                "department_code",
                "out_of_list",
                f"matter {matter.code} is not on the grid workers' list and has no approved delegation "
                "(清单外事项不得下派网格)",
            )
        return Target("grid", department_code, prefix, grid_worker_of(uow, prefix))
    row = uow.execute(sa.select(departments).where(departments.c.code == department_code)).first()
    if row is None:
        raise Invalid("department_code", "exists", f"no department {department_code}")
    level = area_level(row.area_code).label
    return Target(level, department_code, row.area_code)


def level_target(uow: UnitOfWork, matter: Matter, level: str, grid_code: str) -> Target:
    """Dispatch to an explicit level (re-route, escalation): refuse a grid the filter forbids."""
    if level not in model.LEVELS:
        raise Invalid("level", f"one of {', '.join(model.LEVELS)}")
    if level == "grid" and not matter.grid_list and not delegated(uow, matter.code, grid_code):
        raise Invalid(
            "level",
            "out_of_list",
            f"matter {matter.code} is not on the grid workers' list and has no approved delegation "
            "(清单外事项不得下派网格)",
        )
    depts = {str(k): v for k, v in matter.departments.items()}
    if level not in depts:
        raise Invalid("level", "department", f"matter {matter.code} names no department at {level}")
    target = resolve(uow, matter, level, grid_code)
    if target is None or target.level != level:
        raise Invalid("level", "department", f"no {depts[level]} department at {level} for grid {grid_code}")
    return target


# built once; the values come as parameters at execution
_DUPLICATES = sa.select(events.c.id, events.c.lat, events.c.lng, events.c.reported_at).where(
    events.c.matter_code == sa.bindparam("matter"),
    events.c.status.in_([st.value for st in model.OPEN]),
    events.c.duplicate_of.is_(None),
    events.c.reported_at >= sa.bindparam("since", type_=events.c.reported_at.type),
    events.c.lat.between(sa.bindparam("s"), sa.bindparam("n")),
    events.c.lng.between(sa.bindparam("w"), sa.bindparam("e")),
)


def find_duplicate(
    uow: UnitOfWork,
    *,
    matter_code: str,
    lat: float,
    lng: float,
    at: datetime,
    distance_m: float,
    window: timedelta,
) -> Any | None:
    """The nearest open event of the same matter within the distance and time window."""
    s, w, n, e = model.box_around(lat, lng, distance_m)
    rows = uow.execute(
        _DUPLICATES,
        {"matter": matter_code, "since": at - window, "s": s, "n": n, "w": w, "e": e},
    ).all()
    best = None
    for r in rows:
        d = model.distance_m(lat, lng, r.lat, r.lng)
        if d <= distance_m and (best is None or d < best[0]):
            best = (d, r)
    return best[1] if best else None


def add_delegation(
    uow: UnitOfWork, actor: Actor, *, matter_code: str, area_code: str, funding_note: str, handbook_url: str
) -> int:
    """Approve delegating an out-of-list matter to the grid workers of an area (with funding and handbook)."""
    if actor.role not in (Role.ADMIN, Role.DISTRICT_OPERATOR):
        raise Invalid("role", "only the district may approve a delegation to grid workers")
    if not funding_note.strip():
        raise MissingField("funding_note")
    if not handbook_url.strip():
        raise MissingField("handbook_url")
    try:
        area_level(area_code)
    except CodeError as e:
        raise Invalid("area_code", str(e)) from None
    actor.scope.require(area_code)
    new_id = uow.execute(
        event_delegations.insert()
        .values(
            matter_code=matter_code,
            area_code=area_code,
            funding_note=funding_note.strip(),
            handbook_url=handbook_url.strip(),
            approved_by=actor.username,
            approved_at=clock.now(),
        )
        .returning(event_delegations.c.id)
    ).scalar_one()
    audit.record(
        uow,
        "events:delegation:approved",
        actor=actor,
        subject_id=str(new_id),
        area_code=area_code,
        detail={"matter_code": matter_code, "funding_note": funding_note, "handbook_url": handbook_url},
    )
    return int(new_id)
