"""Relations between the library's records: lives in, works at, operates at, owns.

`lives_in` also follows from a person's residence address code (the house with that standard
address); the table holds the relations a source states explicitly.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Invalid
from gridbrain.registry.model import Kind, LinkRecords
from gridbrain.registry.reads import get_record
from gridbrain.registry.tables import people, relations

# kind → (allowed subject kinds, allowed object kinds)
RELATION_KINDS: dict[str, tuple[tuple[Kind, ...], tuple[Kind, ...]]] = {
    "lives_in": ((Kind.PERSON,), (Kind.HOUSE,)),
    "works_at": ((Kind.PERSON,), (Kind.ENTERPRISE,)),
    "operates_at": ((Kind.ENTERPRISE,), (Kind.HOUSE, Kind.PLACE)),
    "owns": ((Kind.PERSON, Kind.ENTERPRISE), (Kind.HOUSE, Kind.PLACE)),
}


def _kind(value: str, allowed: tuple[Kind, ...], field: str) -> Kind:
    try:
        kind = Kind(value)
    except ValueError:
        kind = None
    if kind not in allowed:
        raise Invalid(field, f"one of {', '.join(k.value for k in allowed)}")
    return kind


def link(uow: UnitOfWork, actor: Actor, command: LinkRecords) -> dict[str, Any]:
    """Record a relation between two held records (both must be inside the actor's area); audited."""
    kind, subject_key, object_key = command.kind, command.subject_key, command.object_key
    if kind not in RELATION_KINDS:
        raise Invalid("kind", f"one of {', '.join(RELATION_KINDS)}")
    subjects, objects = RELATION_KINDS[kind]
    sk = _kind(command.subject_kind, subjects, "subject_kind")
    ok = _kind(command.object_kind, objects, "object_kind")
    get_record(uow, actor, sk, subject_key)  # 404 when unknown or out of scope
    get_record(uow, actor, ok, object_key)
    exists = uow.execute(
        sa.select(relations.c.id).where(
            relations.c.kind == kind, relations.c.subject_key == subject_key, relations.c.object_key == object_key
        )
    ).first()
    if exists:
        raise Conflict(f"{subject_key} {kind} {object_key} is already recorded", field="object_key", rule="unique")
    row = {
        "kind": kind, "subject_kind": sk.value, "subject_key": subject_key, "object_kind": ok.value,
        "object_key": object_key, "since": command.since, "until": None, "source": command.source,
        "created_at": clock.now(),
    }  # fmt: skip
    uow.execute(relations.insert().values(**row))
    audit.record(uow, "registry:relation:linked", actor=actor, subject_id=subject_key,
                 detail={"kind": kind, "object": object_key})  # fmt: skip
    return row


def related(uow: UnitOfWork, actor: Actor, kind: str, key: str) -> list[dict[str, Any]]:
    """Every relation of a record, stated or derived (residents of a house, a person's home)."""
    record = get_record(uow, actor, _kind(kind, tuple(Kind), "kind"), key)
    q = sa.select(relations).where(sa.or_(relations.c.subject_key == key, relations.c.object_key == key))
    out = [
        {k: v for k, v in r._mapping.items() if k in ("kind", "subject_kind", "subject_key", "object_kind",
                                                     "object_key", "since", "until", "source")}
        for r in uow.execute(q.order_by(relations.c.id))
    ]  # fmt: skip
    if record.kind is Kind.PERSON and record.values.get("residence_address_code"):
        out.append({"kind": "lives_in", "subject_kind": "person", "subject_key": key, "object_kind": "house",
                    "object_key": record.values["residence_address_code"], "since": None, "until": None,
                    "source": "residence_address"})  # fmt: skip
    if record.kind is Kind.HOUSE:
        residents = uow.execute(sa.select(people.c.id_number).where(people.c.residence_address_code == key))
        out.extend(
            {"kind": "lives_in", "subject_kind": "person", "subject_key": pid, "object_kind": "house",
             "object_key": key, "since": None, "until": None, "source": "residence_address"}
            for (pid,) in residents
        )  # fmt: skip
    return out
