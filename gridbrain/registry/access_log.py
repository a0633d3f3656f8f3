"""Reads of whole personal data, logged (who, what, when, why) and shown to the data steward.

Roles whose work needs whole ID numbers and phones (grid workers, stewards, admins) get them; each
such read is an audit entry `registry:personal_data:read`, so it is as tamper-evident as a change.
The purpose is what the caller says in the `X-Purpose` header (e.g. 入户核查), else the role's
work; the steward reads the log of their area through `GET /api/v1/personal-data/reads`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gridbrain.core import audit
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork

TAG = "registry:personal_data:read"
MAX_KEYS = 200  # a list read names its first 200 records; the count says how many there were


def note(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    keys: Sequence[str],
    purpose: str | None,
    route: str,
    area_code: str | None = None,
) -> bool:
    """Log a read of whole personal data when the actor's role was given it; False when it was not
    (masked values are not personal data read). Filed under the records' area (`area_code`, else
    the actor's), so the steward of that area sees it. The caller commits."""
    if not actor.sees_personal_data or not keys:
        return False
    audit.record(
        uow, TAG, actor=actor, subject_id=keys[0][:64], area_code=area_code or actor.area_code,
        detail={"kind": kind, "keys": list(keys[:MAX_KEYS]), "count": len(keys),
                "purpose": (purpose or "").strip()[:200] or f"{actor.role} work", "route": route},
    )  # fmt: skip
    return True


@dataclass(frozen=True)
class ReadEntry:
    at: datetime
    actor: str
    actor_role: str | None
    kind: str
    keys: list[str]
    count: int
    purpose: str
    route: str


def entries(uow: UnitOfWork, actor: Actor, *, who: str | None = None, limit: int = 100) -> list[ReadEntry]:
    """The latest reads by users of the actor's area (newest first), optionally of one user."""
    out = []
    for r in audit.latest(uow, TAG, scope=actor.scope, actor=who, limit=limit):
        d = r["detail"] or {}
        out.append(ReadEntry(r["at"], r["actor"], r["actor_role"], d.get("kind", ""), list(d.get("keys", [])),
                             int(d.get("count", 0)), d.get("purpose", ""), d.get("route", "")))  # fmt: skip
    return out
