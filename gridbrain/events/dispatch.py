"""Dispatch (派单): from a catalog decision and a place to a level, a department and a person.

The catalog names a department *type* per level; the concrete department is
`"<area prefix>:<type>"` of the event's grid / community / street / district. Level `grid` means
the grid worker of that grid. The out-of-list filter (清单外事项下派过滤) lifts a matter that is
not on the grid workers' list off the grid unless an approved delegation covers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.areas.model import haversine_m
from gridbrain.areas.tables import departments
from gridbrain.catalog.model import Matter
from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor, Role
from gridbrain.core.codes import CodeError, area_level
from gridbrain.core.db import UnitOfWork, one_of
from gridbrain.core.errors import Forbidden, Invalid, MissingField
from gridbrain.core.levels import LEVELS, Level, area_at_level
from gridbrain.core.scoping import Scope
from gridbrain.core.tables import users
from gridbrain.core.text import check_web_url
from gridbrain.events import model
from gridbrain.events.model import Target
from gridbrain.events.tables import event_delegations, events


class Directory:
    """What dispatch looks up — approved delegations, departments, grid workers — remembered for
    one unit of work. A batch of reports prefetches all it needs in one statement per kind;
    a single report asks key by key, as before."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._delegations: dict[str, list[str]] = {}  # matter → area prefixes
        self._departments: dict[str, bool] = {}
        self._workers: dict[str, str | None] = {}

    def prefetch_delegations(self, matter_codes: Iterable[str]) -> None:
        todo = sorted(set(matter_codes) - self._delegations.keys())
        if not todo:
            return
        for m in todo:
            self._delegations[m] = []
        for r in self.uow.execute(
            sa.select(event_delegations.c.matter_code, event_delegations.c.area_code).where(
                one_of(event_delegations.c.matter_code, todo, postgres=self.uow.postgres),
                event_delegations.c.revoked_at.is_(None),
            )
        ):
            self._delegations[r.matter_code].append(Scope.of_area(r.area_code).prefix or "")

    def prefetch(self, *, department_codes: Iterable[str] = (), grid_codes: Iterable[str] = ()) -> None:
        codes = sorted(set(department_codes) - self._departments.keys())
        if codes:
            found = set(
                self.uow.execute(
                    sa.select(departments.c.code).where(one_of(departments.c.code, codes, postgres=self.uow.postgres))
                ).scalars()
            )
            self._departments.update({c: c in found for c in codes})
        wanted = sorted(set(grid_codes) - self._workers.keys())
        if wanted:
            self._workers.update(dict.fromkeys(wanted))
            rows = self.uow.execute(
                sa.select(users.c.area_code, users.c.username)
                .where(
                    users.c.role == Role.GRID_WORKER,
                    one_of(users.c.area_code, wanted, postgres=self.uow.postgres),
                    users.c.active,
                )
                .order_by(users.c.id.desc())  # the first account of a grid is written last, and wins
            )
            self._workers.update({r.area_code: r.username for r in rows})

    def delegated(self, matter_code: str, grid_code: str) -> bool:
        self.prefetch_delegations([matter_code])
        return any(grid_code.startswith(prefix) for prefix in self._delegations[matter_code])

    def department_exists(self, code: str) -> bool:
        self.prefetch(department_codes=[code])
        return self._departments[code]

    def grid_worker(self, grid_code: str) -> str | None:
        self.prefetch(grid_codes=[grid_code])
        return self._workers[grid_code]


def delegated(uow: UnitOfWork, matter_code: str, grid_code: str) -> bool:
    """True when an approved, unrevoked delegation of the matter covers the grid."""
    return Directory(uow).delegated(matter_code, grid_code)


def grid_worker_of(uow: UnitOfWork, grid_code: str) -> str | None:
    return Directory(uow).grid_worker(grid_code)


Plan = tuple[Level, str, bool, str]  # (level, department code, filtered, area)


def plan(d: Directory, matter: Matter, level: Level | str, grid_code: str) -> Plan:
    """(level, department code, filtered, area) of `matter` at `level` for an event in
    `grid_code`, after the out-of-list filter — before anything is known to exist."""
    depts = {str(k): v for k, v in matter.departments.items()}
    allowed_on_grid = matter.grid_list or (level == Level.GRID and d.delegated(matter.code, grid_code))
    routing = model.route(level, depts, in_grid_list=matter.grid_list, delegated=allowed_on_grid)
    area = area_at_level(grid_code, routing.level)
    if routing.level == Level.GRID:
        return Level.GRID, f"{grid_code}:grid", routing.filtered, grid_code
    return routing.level, f"{Scope.of_area(area).prefix}:{routing.department_type}", routing.filtered, area


def resolve(where: UnitOfWork | Directory, matter: Matter, level: Level | str, grid_code: str) -> Target | None:
    """The department of `matter` at `level` for an event in `grid_code`, after the out-of-list
    filter; None when that department does not exist (the event then goes to triage)."""
    d = where if isinstance(where, Directory) else Directory(where)
    return target_of(d, plan(d, matter, level, grid_code), grid_code)


def target_of(d: Directory, planned: Plan, grid_code: str) -> Target | None:
    """Where a `plan` sends the event, now that the directory says what exists."""
    to_level, code, filtered, area = planned
    if to_level == Level.GRID:
        return Target(Level.GRID, code, grid_code, d.grid_worker(grid_code), filtered)
    if not d.department_exists(code):
        return None
    return Target(to_level, code, area, None, filtered)


def explicit(uow: UnitOfWork, matter: Matter | None, department_code: str, grid_code: str | None) -> Target:
    """An operator's own choice of department: it must exist and serve the event's place
    (`grid_code`, when the event has one); the out-of-list filter still applies to grids."""
    prefix, _, type_code = department_code.partition(":")
    if not type_code:
        raise Invalid("department_code", "'<area prefix>:<type>'")
    if type_code == "grid":
        if len(prefix) != 15:
            raise Invalid("department_code", "a grid department is '<15-digit grid code>:grid'")
        _serves(department_code, prefix, grid_code)
        if matter is not None and not matter.grid_list and not delegated(uow, matter.code, prefix):
            raise Invalid(
                "department_code",
                "out_of_list",
                f"matter {matter.code} is not on the grid workers' list and has no approved delegation "
                "(清单外事项不得下派网格)",
            )
        return Target(Level.GRID, department_code, prefix, grid_worker_of(uow, prefix))
    row = uow.execute(sa.select(departments).where(departments.c.code == department_code)).first()
    if row is None:
        raise Invalid("department_code", "exists", f"no department {department_code}")
    _serves(department_code, row.area_code, grid_code)
    label = area_level(row.area_code).label
    if label not in LEVELS:
        raise Invalid("department_code", "level", f"{department_code} is not a grid, community, street or district one")
    return Target(Level(label), department_code, row.area_code)


def _serves(department_code: str, area_code: str, grid_code: str | None) -> None:
    """A department serves the events placed inside its area."""
    if grid_code is not None and not Scope.of_area(area_code).covers(grid_code):
        raise Invalid(
            "department_code",
            "serves_area",
            f"department {department_code} does not serve grid {grid_code} (它不负责该网格)",
        )


def level_target(uow: UnitOfWork, matter: Matter, level: Level | str, grid_code: str) -> Target:
    """Dispatch to an explicit level (re-route, escalation): refuse a grid the filter forbids."""
    level = Level.parse(level)
    if level == Level.GRID and not matter.grid_list and not delegated(uow, matter.code, grid_code):
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


def find_duplicates(
    uow: UnitOfWork,
    probes: list[tuple[str, float, float]],
    *,
    at: datetime,
    distance_m: float,
    window: timedelta,
) -> list[tuple[float, Any] | None]:
    """For each (matter code, lat, lng): the nearest open event of that matter within the distance
    and the time window, with its distance in metres, or None. On PostgreSQL one statement answers all the probes (a box
    around each point, the probes as arrays, each looked up on its own through the (matter_code,
    lat) index: LATERAL keeps that plan even where the table's statistics are stale or missing,
    where a plain join has been seen to scan every open event); on SQLite each probe is its own
    cheap query."""
    if not probes:
        return []
    boxes = [(m, *model.box_around(lat, lng, distance_m)) for m, lat, lng in probes]
    since = at - window
    near: list[list[Any]] = [[] for _ in probes]
    if uow.postgres:
        rows = uow.execute(
            _DUPLICATES_PG,
            {
                "i": list(range(len(boxes))),
                "m": [b[0] for b in boxes],
                "s": [b[1] for b in boxes],
                "w": [b[2] for b in boxes],
                "n": [b[3] for b in boxes],
                "e": [b[4] for b in boxes],
                "open": [st.value for st in model.OPEN],
                "since": since,
            },
        )
        for r in rows:
            near[r.i].append(r)
    else:
        for i, (m, s, w, n, e) in enumerate(boxes):
            near[i] = list(uow.execute(_DUPLICATES, {"matter": m, "since": since, "s": s, "n": n, "w": w, "e": e}))
    out: list[tuple[float, Any] | None] = []
    for (_, lat, lng), rows_near in zip(probes, near, strict=True):
        best = None
        for r in rows_near:
            d = haversine_m(lat, lng, r.lat, r.lng)
            if d <= distance_m and (best is None or d < best[0]):
                best = (d, r)
        out.append(best)
    return out


# built once; the values come as parameters at execution
_DUPLICATES = sa.select(events.c.id, events.c.lat, events.c.lng).where(
    events.c.matter_code == sa.bindparam("matter"),
    events.c.status.in_([st.value for st in model.OPEN]),
    events.c.duplicate_of.is_(None),
    events.c.reported_at >= sa.bindparam("since", type_=events.c.reported_at.type),
    events.c.lat.between(sa.bindparam("s"), sa.bindparam("n")),
    events.c.lng.between(sa.bindparam("w"), sa.bindparam("e")),
)
_DUPLICATES_PG = sa.text(
    """
    SELECT q.i, e.id, e.lat, e.lng
    FROM unnest(CAST(:i AS int[]), CAST(:m AS varchar[]), CAST(:s AS float8[]), CAST(:w AS float8[]),
                CAST(:n AS float8[]), CAST(:e AS float8[])) AS q(i, m, s, w, n, e)
    CROSS JOIN LATERAL (
        SELECT e.id, e.lat, e.lng FROM events e
        WHERE e.matter_code = q.m AND e.lat BETWEEN q.s AND q.n AND e.lng BETWEEN q.w AND q.e
          AND e.status = ANY(CAST(:open AS varchar[])) AND e.duplicate_of IS NULL AND e.reported_at >= :since
        OFFSET 0  -- a fence: the planner may not flatten the lookup into a join over all events
    ) AS e
    """
).bindparams(sa.bindparam("since", type_=events.c.reported_at.type))


def add_delegation(
    uow: UnitOfWork, actor: Actor, *, matter_code: str, area_code: str, funding_note: str, handbook_url: str
) -> int:
    """Approve delegating an out-of-list matter to the grid workers of an area (with funding and handbook)."""
    if actor.role not in (Role.ADMIN, Role.DISTRICT_OPERATOR):
        raise Forbidden(f"{actor.role} {actor.username} may not approve a delegation: only the district may")
    if not funding_note.strip():
        raise MissingField("funding_note")
    if not handbook_url.strip():
        raise MissingField("handbook_url")
    handbook_url = check_web_url(handbook_url, "handbook_url") or ""
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
