"""Verify instead of collect (以核代采).

Grid workers get a task per record of their grid that is due by policy (never verified, or not
for `every_days`) or flagged by a signal (an address change arriving from elsewhere). The task
shows what is held; the worker confirms it, which moves nothing but the verified date, or sends
only the fields that changed, which is a versioned update with source `grid_worker`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Invalid, NotFound
from gridbrain.registry import model
from gridbrain.registry.matching import CachedMatcher, default_matcher, place_on_map
from gridbrain.registry.model import Kind
from gridbrain.registry.reads import get_record, masked, within
from gridbrain.registry.storage import TABLES, data_fields, task_row, upsert_batch
from gridbrain.registry.tables import verification_tasks

VERIFIABLE = (Kind.PERSON, Kind.ENTERPRISE, Kind.HOUSE, Kind.PLACE)


def _kind(kind: str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise Invalid("kind", f"one of {', '.join(Kind)}") from None


def generate_due(
    uow: UnitOfWork,
    actor: Actor,
    *,
    area: str | None = None,
    kind: str = "person",
    every_days: int = model.DEFAULT_VERIFY_EVERY_DAYS,
) -> int:
    """Create a task for each record in scope that is due and has no open task; returns how many."""
    k = _kind(kind)
    table = TABLES[k]
    spec = model.SPECS[k]
    now = clock.now()
    key = table.c[spec.key]
    open_task = sa.select(verification_tasks.c.id).where(
        verification_tasks.c.kind == k.value,
        verification_tasks.c.record_key == key,
        verification_tasks.c.status == "open",
    )
    q = sa.select(key.label("record_key"), table.c.grid_code).where(
        table.c.grid_code.is_not(None),
        actor.scope.where(table.c.grid_code),
        sa.or_(table.c.verified_at.is_(None), table.c.verified_at <= now - timedelta(days=every_days)),
        ~sa.exists(open_task),
    )
    if area:
        q = q.where(within(table, area))
    created = 0
    last: str | None = None
    while True:  # by key, a page at a time: a district's millions of records never sit in memory
        page = q.where(key > last) if last is not None else q
        found = uow.execute(page.order_by(key).limit(5000)).all()
        if not found:
            break
        rows = [task_row(k, r.record_key, r.grid_code, "policy", f"每{every_days}天核实一次", now) for r in found]
        uow.execute(verification_tasks.insert(), rows)
        created += len(rows)
        last = found[-1].record_key
    audit.record(
        uow,
        "registry:verification:generated",
        actor=actor,
        area_code=area or actor.area_code,
        detail={"kind": k.value, "tasks": created, "every_days": every_days},
    )
    uow.commit()
    return created


def list_tasks(
    uow: UnitOfWork, actor: Actor, *, grid: str | None = None, status: str = "open", limit: int = 100
) -> list[dict[str, Any]]:
    """Tasks in the actor's grids, each with what is held (masked for roles that need no personal data)."""
    q = (
        sa.select(verification_tasks)
        .where(actor.scope.where(verification_tasks.c.grid_code), verification_tasks.c.status == status)
        .order_by(verification_tasks.c.due_on, verification_tasks.c.created_at)
        .limit(limit)
    )
    if grid:
        actor.scope.require(grid)
        q = q.where(verification_tasks.c.grid_code == grid)
    out = []
    for r in uow.execute(q):
        task = dict(r._mapping)
        try:
            held = get_record(uow, actor, Kind(task["kind"]), task["record_key"])
            task["held"] = masked(actor, held.values)
        except NotFound:
            task["held"] = None
        out.append(task)
    return out


def answer(uow: UnitOfWork, actor: Actor, task_id: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Confirm the held record (no changes) or change only the given fields."""
    row = uow.execute(
        sa.select(verification_tasks).where(
            verification_tasks.c.id == task_id, actor.scope.where(verification_tasks.c.grid_code)
        )
    ).first()
    if row is None:
        raise NotFound(f"verification task {task_id} not found")
    task = dict(row._mapping)
    if task["status"] != "open":
        raise Conflict(f"task {task_id} is already {task['status']}", field="status", rule="open")
    kind = Kind(task["kind"])
    spec = model.SPECS[kind]
    table = TABLES[kind]
    held = get_record(uow, actor, kind, task["record_key"])
    changes = {k: v for k, v in (changes or {}).items() if v is not None}
    unknown = sorted(set(changes) - (set(spec.names) - {spec.key}))
    if unknown:
        raise Invalid(unknown[0], f"not a field a grid worker can change; one of {', '.join(spec.names[1:])}")
    now = clock.now()
    changed: list[str] = []
    if changes:
        raw = {k: v for k, v in held.values.items() if k in spec.names and v is not None}
        raw.update(changes)
        checked = model.check_record(spec, raw)
        # judge only what the worker sent: what is held already passed (or was accepted) once
        problems = [p for p in checked.problems if p.field in changes]
        if problems:
            raise Invalid(problems[0].field, problems[0].rule)
        values = {k: checked.values.get(k) for k in (spec.key, *changes)}
        if spec.address_field in changes:
            place_on_map(spec, values, CachedMatcher(default_matcher(uow)), held.values.get("area_code"))
        before = {f: held.values.get(f) for f in data_fields(spec)}
        upsert_batch(uow, spec, [values], source="grid_worker", actor=actor)
        after = get_record(uow, actor, kind, task["record_key"]).values
        changed = sorted(f for f in before if not model.same_value(before[f], after.get(f)))
    uow.execute(table.update().where(table.c[spec.key] == task["record_key"]).values(verified_at=now))
    status = "changed" if changed else "confirmed"
    uow.execute(
        verification_tasks.update()
        .where(verification_tasks.c.id == task_id)
        .values(status=status, answered_at=now, answered_by=actor.username, changed_fields=changed or None)
    )
    audit.record(
        uow,
        f"registry:verification:{status}",
        actor=actor,
        subject_id=task["record_key"],
        area_code=task["grid_code"],
        detail={"task": task_id, "kind": kind.value, "changed": changed},
    )
    uow.commit()
    return {
        **task,
        "status": status,
        "answered_at": now,
        "answered_by": actor.username,
        "changed_fields": changed,
    }


def coverage(
    uow: UnitOfWork,
    actor: Actor,
    *,
    area: str | None = None,
    kind: str = "person",
    every_days: int = model.DEFAULT_VERIFY_EVERY_DAYS,
) -> list[dict[str, Any]]:
    """Per grid: records held, records verified within policy, and the share."""
    k = _kind(kind)
    table = TABLES[k]
    since = clock.now() - timedelta(days=every_days)
    verified = sa.func.sum(sa.case((table.c.verified_at > since, 1), else_=0))
    q = (
        sa.select(table.c.grid_code, sa.func.count().label("total"), verified.label("verified"))
        .where(table.c.grid_code.is_not(None), actor.scope.where(table.c.grid_code))
        .group_by(table.c.grid_code)
        .order_by(table.c.grid_code)
    )
    if area:
        q = q.where(within(table, area))
    return [
        {
            "grid_code": r.grid_code,
            "kind": k.value,
            "total": r.total,
            "verified": int(r.verified or 0),
            "coverage": model.coverage(int(r.verified or 0), r.total),
        }
        for r in uow.execute(q)
    ]
