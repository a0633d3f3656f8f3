"""The quarantine queue (待人工处理): a data steward fixes, accepts or rejects each record.

- fix: the steward sends corrected values; they are checked like an import and, if they now
  pass, written (source `steward`) and the item is closed as fixed;
- accept: the record goes in as it is, leaving out only the fields that break a rule; refused
  when the key itself is broken (there would be nothing to file the record under);
- reject: the record is dropped, with the reason.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Invalid, NotFound
from gridbrain.registry import model
from gridbrain.registry.layers import layers
from gridbrain.registry.matching import CachedMatcher, default_grids, default_matcher, place_on_map
from gridbrain.registry.model import Kind
from gridbrain.registry.storage import write_one
from gridbrain.registry.tables import quarantine

STATUSES = ("open", "fixed", "accepted", "rejected")


def _scoped(actor: Actor) -> Any:
    # items carry the importer's area; an unrestricted importer's items belong to everyone unrestricted
    scope = actor.scope
    if scope.unrestricted:
        return sa.true()
    return scope.where(quarantine.c.area_code)


def list_items(
    uow: UnitOfWork,
    actor: Actor,
    *,
    status: str | None = "open",
    kind: str | None = None,
    run_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """(total, page) of quarantined records inside the actor's area, oldest first."""
    if status is not None and status not in STATUSES:
        raise Invalid("status", f"one of {', '.join(STATUSES)}")
    cond = [_scoped(actor)]
    if status:
        cond.append(quarantine.c.status == status)
    if kind:
        cond.append(quarantine.c.kind == kind)
    if run_id:
        cond.append(quarantine.c.run_id == run_id)
    total = uow.execute(sa.select(sa.func.count()).select_from(quarantine).where(*cond)).scalar_one()
    q = sa.select(quarantine).where(*cond).order_by(quarantine.c.created_at, quarantine.c.row_number)
    return total, [dict(r._mapping) for r in uow.execute(q.limit(limit).offset(offset))]


def get_item(uow: UnitOfWork, actor: Actor, item_id: str) -> dict[str, Any]:
    row = uow.execute(sa.select(quarantine).where(quarantine.c.id == item_id, _scoped(actor))).first()
    if row is None:
        raise NotFound(f"quarantine item {item_id} not found")
    return dict(row._mapping)


def _open_item(uow: UnitOfWork, actor: Actor, item_id: str) -> dict[str, Any]:
    item = get_item(uow, actor, item_id)
    if item["status"] != "open":
        raise Conflict(f"quarantine item {item_id} is already {item['status']}", field="status", rule="open")
    return item


def _close(uow: UnitOfWork, actor: Actor, item: dict[str, Any], status: str, note: str | None) -> dict[str, Any]:
    now = clock.now()
    uow.execute(
        quarantine.update()
        .where(quarantine.c.id == item["id"])
        .values(status=status, resolved_at=now, resolved_by=actor.username, resolution=(note or "")[:200] or None)
    )
    audit.record(
        uow,
        f"registry:quarantine:{status}",
        actor=actor,
        subject_id=item["id"],
        area_code=item["area_code"],
        detail={"kind": item["kind"], "record_key": item["record_key"]},
    )
    return get_item(uow, actor, item["id"])


def _store(
    uow: UnitOfWork, actor: Actor, kind: Kind, values: dict[str, Any], area: str | None, *, trust_point: bool = False
) -> None:
    spec = model.SPECS[kind]
    placer = CachedMatcher(default_matcher(uow), grids=default_grids(uow) if kind is Kind.PLACE else None)
    problems = place_on_map(spec, values, placer, area, trust_point=trust_point)
    if problems:
        raise Invalid(problems[0].field, problems[0].rule)
    write_one(uow, actor, kind, values, source="steward", tag=f"registry:{kind.value}:written")


def fix(
    uow: UnitOfWork, actor: Actor, item_id: str, corrected: dict[str, Any], note: str | None = None
) -> dict[str, Any]:
    """Re-check the record with the steward's corrections; write it if it now passes."""
    item = _open_item(uow, actor, item_id)
    spec = model.spec_for(item["kind"])
    raw = {**item["raw"], **{k: v for k, v in corrected.items() if k in spec.names}}
    checked = model.check_record(spec, raw, layers=tuple(layers()) if spec.kind is Kind.PLACE else None)
    if checked.problems:
        first = checked.problems[0]
        raise Invalid(
            first.field,
            first.rule,
            "still not valid: " + "; ".join(f"{p.field}: {p.rule}" for p in checked.problems),
        )
    _store(uow, actor, spec.kind, checked.values, item["area_code"])
    uow.execute(quarantine.update().where(quarantine.c.id == item_id).values(raw=raw))
    return _close(uow, actor, item, "fixed", note)


def accept(uow: UnitOfWork, actor: Actor, item_id: str, note: str | None = None) -> dict[str, Any]:
    """Take the record as it is, without the fields that break a rule; not when the key is broken."""
    item = _open_item(uow, actor, item_id)
    spec = model.spec_for(item["kind"])
    checked = model.check_record(spec, item["raw"], layers=tuple(layers()) if spec.kind is Kind.PLACE else None)
    required = {f.name for f in spec.fields if f.required} | {spec.key}
    if spec.kind is Kind.PERSON:
        required |= {"sex", "birth_date"}
    blocking = [p for p in checked.problems if p.field in required]
    if blocking:
        raise Conflict(
            f"cannot accept: {blocking[0].field} {blocking[0].rule}; fix or reject it",
            field=blocking[0].field,
            rule="fix or reject",
        )
    # accepting a place whose address and coordinates disagree takes the coordinates
    _store(uow, actor, spec.kind, checked.values, item["area_code"], trust_point=True)
    return _close(uow, actor, item, "accepted", note)


def reject(uow: UnitOfWork, actor: Actor, item_id: str, reason: str) -> dict[str, Any]:
    """Drop the record; the reason is mandatory."""
    if not reason or not reason.strip():
        raise Invalid("reason", "required")
    item = _open_item(uow, actor, item_id)
    return _close(uow, actor, item, "rejected", reason.strip())
