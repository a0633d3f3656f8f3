"""Rules changed at run time (per kind or per device): stored overrides every consumer picks up
at its next batch, without a restart."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.perception.kinds import kinds
from gridbrain.perception.model import Rule
from gridbrain.perception.rules import Override, RuleBook
from gridbrain.perception.tables import devices, rule_overrides

_FIXED = {"code", "type", "enabled"}


def set_rule(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    rule_code: str,
    *,
    params: dict[str, Any],
    enabled: bool = True,
    device_code: str | None = None,
) -> Rule:
    """Override a rule of a kind, or of one device of it; answers the rule now in force."""
    k = kinds().get(kind)
    if device_code is not None:
        row = uow.execute(sa.select(devices.c.kind, devices.c.grid_code).where(devices.c.code == device_code)).first()
        if row is None or not actor.scope.covers(row.grid_code):
            raise NotFound(f"device {device_code} not found", field="device_code")
        if row.kind != kind:
            raise Invalid("device_code", f"a device of kind {kind}")
    if rule_code not in {r.code for r in k.rules} and "type" not in params:
        raise Invalid("params.type", "required for a new rule")
    if set(params) & (_FIXED - {"type"}):
        raise Invalid("params", f"may not set {', '.join(sorted(set(params) & _FIXED))}")
    override = Override(kind, rule_code, device_code, params, enabled)
    try:  # the rule must still make sense with the change (rule_of raises Invalid naming it)
        book = RuleBook(kinds(), [override])
    except (KeyError, TypeError, ValueError) as e:
        raise Invalid("params", f"not a valid rule: {e}") from e
    values = {
        "kind": kind,
        "rule_code": rule_code,
        "device_code": device_code or "",
        "params": params,
        "enabled": enabled,
        "updated_at": clock.now(),
        "updated_by": actor.username,
    }
    ins = postgresql.insert(rule_overrides) if uow.postgres else sqlite.insert(rule_overrides)
    uow.execute(
        ins.values(values).on_conflict_do_update(
            index_elements=["kind", "rule_code", "device_code"],
            set_={c: ins.excluded[c] for c in ("params", "enabled", "updated_at", "updated_by")},
        )
    )
    audit.record(
        uow,
        "perception:rule:changed",
        actor=actor,
        subject_id=f"{kind}.{rule_code}" + (f"@{device_code}" if device_code else ""),
        detail={"params": params, "enabled": enabled},
    )
    rules = book.rules_for(kind, device_code or "")
    found = [r for r in rules if r.code == rule_code]
    return found[0] if found else Rule(rule_code, "disabled", enabled=False)
