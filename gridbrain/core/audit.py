"""The audit trail: every state change writes one entry tagged `capability:subject:action`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork, insert_many
from gridbrain.core.scoping import Scope
from gridbrain.core.tables import audit_log

_TAG = re.compile(r"^[a-z_]+:[a-z_]+:[a-z_]+$")


def entry(
    tag: str,
    *,
    actor: Actor,
    subject_id: str | None = None,
    area_code: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """One audit entry as a row (for `record_many`); the tag must read capability:subject:action."""
    if not _TAG.match(tag):
        raise ValueError(f"audit tag must read capability:subject:action, got {tag!r}")
    return {
        "at": at or clock.now(),
        "tag": tag,
        "subject_id": subject_id,
        "actor": actor.username,
        "actor_role": actor.role,
        "area_code": area_code,
        "detail": detail,
    }


def record(
    uow: UnitOfWork,
    tag: str,
    *,
    actor: Actor,
    subject_id: str | None = None,
    area_code: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry inside the caller's transaction (so it commits or rolls back with it)."""
    uow.execute(
        audit_log.insert().values(entry(tag, actor=actor, subject_id=subject_id, area_code=area_code, detail=detail))
    )


def record_many(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Append entries made by `entry` in one statement, inside the caller's transaction."""
    insert_many(uow, audit_log, rows)


def entries(uow: UnitOfWork, *, subject_id: str | None = None, tag_prefix: str | None = None) -> list[dict[str, Any]]:
    q = sa.select(audit_log).order_by(audit_log.c.id)
    if subject_id is not None:
        q = q.where(audit_log.c.subject_id == subject_id)
    if tag_prefix is not None:
        q = q.where(audit_log.c.tag.startswith(tag_prefix))
    return [dict(r._mapping) for r in uow.execute(q)]


def latest(
    uow: UnitOfWork, tag: str, *, scope: Scope | None = None, actor: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest entries of one tag, within a scope's area and optionally by one user."""
    q = sa.select(audit_log).where(audit_log.c.tag == tag).order_by(audit_log.c.id.desc()).limit(limit)
    if scope is not None and not scope.unrestricted:
        q = q.where(scope.where(audit_log.c.area_code))
    if actor:
        q = q.where(audit_log.c.actor == actor)
    return [dict(r._mapping) for r in uow.execute(q)]
