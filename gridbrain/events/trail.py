"""What every change of an event leaves behind, in the caller's transaction: its transition rows,
its audit entries, its signals (published after the commit) and the department's notice.

Shared by intake (`intake.py`) and the lifecycle (`actions.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork, insert_many
from gridbrain.core.levels import Level
from gridbrain.events import outbox
from gridbrain.events.model import Action, Target
from gridbrain.events.signals import EventChanged, kind_of
from gridbrain.events.tables import event_transitions


def signal(
    ev: Mapping[str, Any],
    action: str,
    from_status: str | None,
    to_status: str,
    actor: Actor,
    at: datetime,
    **extra: Any,
) -> EventChanged:
    """The typed signal of one move (`EventDispatched` for "dispatched", …); `extra` carries a
    kind's own fields (`rating` of `EventRated`)."""
    level = ev.get("level")
    return kind_of(action)(
        event_id=ev["id"],
        from_status=from_status,
        to_status=to_status,
        at=at,
        actor=actor.username,
        matter_code=ev.get("matter_code"),
        nature=ev.get("nature"),
        level=Level(level) if level else None,
        department_code=ev.get("department_code"),
        grid_code=ev.get("grid_code"),
        area_code=ev.get("area_code"),
        channel=ev.get("channel"),
        **extra,
    )


@dataclass(frozen=True)
class Move:
    """One transition to record: who moved the event, the event as it stands after the move,
    and the move."""

    actor: Actor
    ev: Mapping[str, Any]
    seq: int
    action: str
    from_status: str | None
    to_status: str
    note: str | None
    sig: EventChanged | None = None  # the move's signal, when the model made it


def record(uow: UnitOfWork, moves: list[Move], *, at: datetime) -> None:
    """Append transition rows, their audit entries (the same entries `audit.record` writes) and
    their signals: one statement for the transitions and one for the audit entries, whatever
    their number (a batch of reports records two moves each)."""
    if not moves:
        return
    transitions = []
    entries = []
    logged_at = clock.now()
    for m in moves:
        ev = m.ev
        entries.append(
            audit.entry(
                f"events:event:{m.action}",
                actor=m.actor,
                subject_id=ev["id"],
                area_code=ev.get("area_code"),
                at=logged_at,
                detail={
                    "seq": m.seq,
                    "from": m.from_status,
                    "to": m.to_status,
                    "note": m.note,
                    "department_code": ev.get("department_code"),
                    "level": ev.get("level"),
                },
            )
        )
        transitions.append(
            {
                "event_id": ev["id"],
                "seq": m.seq,
                "at": at,
                "action": m.action,
                "from_status": m.from_status,
                "to_status": m.to_status,
                "actor": m.actor.username,
                "actor_role": m.actor.role,
                "department_code": ev.get("department_code"),
                "level": ev.get("level"),
                "note": m.note,
            }
        )
    insert_many(uow, event_transitions, transitions)
    audit.record_many(uow, entries)
    for m in moves:
        uow.emit(m.sig or signal(m.ev, m.action, m.from_status, m.to_status, m.actor, at, note=m.note))


def department_notices(
    ev: Mapping[str, Any],
    target: Target,
    action: Action,
    note: str | None,
    previous: str | None = None,
) -> list[dict[str, Any]]:
    """Outbox messages telling the department it has an event; on re-route or escalation, the
    first department is told too."""
    body = {
        "event_id": ev["id"],
        "status": ev["status"],
        "matter_code": ev.get("matter_code"),
        "level": target.level,
        "text": ev["text"],
        "action": action.past,
    }
    out = [
        outbox.message(
            event_id=ev["id"],
            kind="dispatch_notice",
            adapter="department",
            recipient=target.department_code,
            payload=body,
        )
    ]
    if previous and previous != target.department_code and action in (Action.REROUTE, Action.ESCALATE):
        out.append(
            outbox.message(
                event_id=ev["id"],
                kind="reroute_notice",
                adapter="department",
                recipient=previous,
                payload={**body, "moved_to": target.department_code, "note": note},
            )
        )
    return out
