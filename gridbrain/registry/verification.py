"""Verify instead of collect (以核代采).

Grid workers get a task per record of their grid that is due by policy (never verified, or not
for `every_days`) or flagged by a signal (an address change arriving from elsewhere). The task
shows what is held; the worker confirms it, which moves nothing but the verified date, or sends
only the fields that changed, which is a versioned update with source `grid_worker`. The task's
lifecycle is `model.VerificationTask`. Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.registry import model
from gridbrain.registry.matching import CachedMatcher, default_grids, default_matcher, place_on_map
from gridbrain.registry.model import Kind
from gridbrain.registry.reads import get_record, masked, within
from gridbrain.registry.storage import TABLES, data_fields, task_of, task_row, task_values, upsert_batch
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
        actor.scope.require_overlap(area)
        q = q.where(within(table, area))
    created = 0
    last: str | None = None
    while True:  # by key, a page at a time: a district's millions of records never sit in memory
        page = q.where(key > last) if last is not None else q
        found = uow.execute(page.order_by(key).limit(5000)).all()
        if not found:
            break
        detail = f"每{every_days}天核实一次"
        rows = [task_row(k, r.record_key, r.grid_code, model.TaskReason.POLICY, detail, now) for r in found]
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
    return created


@dataclass(frozen=True)
class TaskView:
    """A task with what is held of its record (None when the record is gone or out of scope)."""

    task: model.VerificationTask
    held: dict[str, Any] | None


def list_tasks(
    uow: UnitOfWork, actor: Actor, *, grid: str | None = None, status: str = "open", limit: int = 100
) -> list[TaskView]:
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
        task = task_of(r._mapping)
        try:
            held: dict[str, Any] | None = masked(actor, get_record(uow, actor, Kind(task.kind), task.record_key).values)
        except NotFound:
            held = None
        out.append(TaskView(task, held))
    return out


def answer(uow: UnitOfWork, actor: Actor, task_id: str, changes: Mapping[str, Any] | None = None) -> TaskView:
    """Confirm the held record (no changes) or change only the given fields; audited, not committed."""
    row = uow.execute(
        sa.select(verification_tasks).where(
            verification_tasks.c.id == task_id, actor.scope.where(verification_tasks.c.grid_code)
        )
    ).first()
    if row is None:
        raise NotFound(f"verification task {task_id} not found")
    task = task_of(row._mapping)
    if task.status is not model.TaskStatus.OPEN:  # refuse before touching the record
        task.answered((), by=actor.username, at=clock.now())
    kind = Kind(task.kind)
    spec = model.SPECS[kind]
    changed = _apply_changes(uow, actor, spec, task, {k: v for k, v in (changes or {}).items() if v is not None})
    now = clock.now()
    done = task.answered(tuple(changed), by=actor.username, at=now)
    table = TABLES[kind]
    uow.execute(table.update().where(table.c[spec.key] == task.record_key).values(verified_at=now))
    values = task_values(done)
    uow.execute(verification_tasks.update().where(verification_tasks.c.id == task_id).values(
        status=values["status"], answered_at=now, answered_by=actor.username, changed_fields=values["changed_fields"]
    ))  # fmt: skip
    audit.record(
        uow,
        f"registry:verification:{done.status.value}",
        actor=actor,
        subject_id=task.record_key,
        area_code=task.grid_code,
        detail={"task": task_id, "kind": kind.value, "changed": changed},
    )
    return TaskView(done, None)


def _apply_changes(
    uow: UnitOfWork, actor: Actor, spec: model.RecordSpec, task: model.VerificationTask, changes: dict[str, Any]
) -> list[str]:
    """Write only the fields the worker sent (checked like an import); answers the fields that changed."""
    held = get_record(uow, actor, spec.kind, task.record_key)
    unknown = sorted(set(changes) - (set(spec.names) - {spec.key}))
    if unknown:
        raise Invalid(unknown[0], f"not a field a grid worker can change; one of {', '.join(spec.names[1:])}")
    if not changes:
        return []
    raw = {k: v for k, v in held.values.items() if k in spec.names and v is not None}
    raw.update(changes)
    checked = model.check_record(spec, raw)
    # judge only what the worker sent: what is held already passed (or was accepted) once
    problems = [p for p in checked.problems if p.field in changes]
    if problems:
        raise Invalid(problems[0].field, problems[0].rule)
    values = {k: checked.values.get(k) for k in (spec.key, *changes)}
    if spec.address_field in changes:
        placer = CachedMatcher(default_matcher(uow), grids=default_grids(uow) if spec.kind is Kind.PLACE else None)
        problems = place_on_map(spec, values, placer, held.values.get("area_code"))
        if problems:
            raise Invalid(problems[0].field, problems[0].rule)
    before = {f: held.values.get(f) for f in data_fields(spec)}
    upsert_batch(uow, spec, [values], source="grid_worker", actor=actor)
    after = get_record(uow, actor, spec.kind, task.record_key).values
    return sorted(f for f in before if not model.same_value(before[f], after.get(f)))


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
        actor.scope.require_overlap(area)
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
