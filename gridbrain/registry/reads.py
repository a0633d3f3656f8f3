"""Reading the library: a record now or as it was on a date, its versions, lists within scope,
and the scope and area conditions every query over the library uses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from gridbrain.core import clock, masking
from gridbrain.core.auth import Actor
from gridbrain.core.codes import CodeError, area_prefix
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.registry import model
from gridbrain.registry.model import Kind, RecordSpec
from gridbrain.registry.storage import TABLES, data_fields
from gridbrain.registry.tables import people, record_versions


def in_scope(actor: Actor, table: sa.Table) -> Any:
    """Rows inside the actor's area: by grid, or by the coarser area when no grid is known."""
    scope = actor.scope
    if scope.unrestricted:
        return sa.true()
    return sa.or_(scope.where(table.c.grid_code), sa.and_(table.c.grid_code.is_(None), scope.where(table.c.area_code)))


def _covers(actor: Actor, row: Any) -> bool:
    return actor.scope.covers(row.get("grid_code") or row.get("area_code"))


def parse_as_of(value: str | None) -> datetime | None:
    """A date means the end of that day, China time; a datetime is taken as given (naive = China)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=clock.CHINA)
        at = datetime.fromisoformat(text)
    except ValueError as e:
        raise Invalid("as_of", "a date YYYY-MM-DD or an ISO datetime") from e
    return clock.aware(at)


@dataclass(frozen=True)
class RecordView:
    kind: Kind
    key: str
    values: dict[str, Any]
    source: str
    updated_at: datetime
    updated_by: str | None
    verified_at: datetime | None
    as_of: datetime | None = None

    @property
    def record(self) -> model.Record:
        """The values as the record type of their kind (Person, Enterprise, House, Place)."""
        return model.record_of(self.kind, self.values)


def _revive(spec: RecordSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    types = {f.name: f.type for f in spec.fields}
    out = dict(data)
    for name, value in data.items():
        if types.get(name) == "date" and isinstance(value, str):
            out[name] = date.fromisoformat(value)
    return out


def get_record(uow: UnitOfWork, actor: Actor, kind: Kind, key: str, as_of: datetime | None = None) -> RecordView:
    """The current record, or the version that was current at `as_of`; 404 outside scope."""
    spec = model.SPECS[kind]
    table = TABLES[kind]
    row = uow.execute(sa.select(table).where(table.c[spec.key] == key)).first()
    if row is None or not _covers(actor, row._mapping):
        raise NotFound(f"{kind.value} {key} not found")
    m = row._mapping
    fields = data_fields(spec)
    updated_at = m["updated_at"]
    if as_of is None or as_of >= updated_at:
        return RecordView(
            kind,
            key,
            {f: m[f] for f in fields},
            m["source"],
            updated_at,
            m.get("updated_by"),
            m["verified_at"],
            as_of,
        )
    version = uow.execute(
        sa.select(record_versions)
        .where(
            record_versions.c.kind == kind.value,
            record_versions.c.record_key == key,
            record_versions.c.valid_to > as_of,
            record_versions.c.valid_from <= as_of,
        )
        .order_by(record_versions.c.valid_to.desc())
        .limit(1)
    ).first()
    if version is None:
        raise NotFound(f"{kind.value} {key} was not held on {as_of.isoformat()}")
    v = version._mapping
    return RecordView(kind, key, _revive(spec, v["data"]), v["source"], v["valid_from"], v["written_by"], None, as_of)


def versions(uow: UnitOfWork, actor: Actor, kind: Kind, key: str) -> list[dict[str, Any]]:
    """The superseded versions of a record, newest first."""
    get_record(uow, actor, kind, key)  # scope check
    q = (
        sa.select(record_versions)
        .where(record_versions.c.kind == kind.value, record_versions.c.record_key == key)
        .order_by(record_versions.c.valid_to.desc())
    )
    return [dict(r._mapping) for r in uow.execute(q)]


def masked(actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
    """ID numbers and phones as the actor's role may see them. A masked ID number hides the birth
    date it holds, so the birth date is withheld beside it: together they would rebuild the number."""
    out = dict(values)
    if "birth_date" in out and not actor.sees_personal_data:
        out["birth_date"] = None
    for name in ("id_number", "owner_id_number"):
        if name in out:
            out[name] = masking.id_number_for(actor, out[name])
    if "phone" in out:
        out["phone"] = masking.phone_for(actor, out["phone"])
    return out


def has_tag(uow: UnitOfWork, table: sa.Table, tag: str) -> Any:
    """A SQL condition: the row's JSON `tags` list holds `tag`."""
    if uow.postgres:
        return table.c.tags.op("@>")(sa.cast(sa.literal(json.dumps([tag])), postgresql.JSONB))
    each = sa.func.json_each(table.c.tags).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == tag))


def within(table: sa.Table, area: str) -> Any:
    """A SQL condition: the row lies inside `area` (by grid, or by its coarser area)."""
    try:
        prefix = area_prefix(area)
    except CodeError as e:
        raise Invalid("area", str(e)) from e
    return sa.or_(
        sa.and_(table.c.grid_code >= prefix, table.c.grid_code < prefix + ":"),
        sa.and_(table.c.grid_code.is_(None), table.c.area_code >= prefix, table.c.area_code < prefix + ":"),
    )


def list_people(
    uow: UnitOfWork,
    actor: Actor,
    *,
    area: str | None = None,
    tag: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[RecordView]:
    """People inside the actor's scope (and `area`), optionally with a tag, by ID number."""
    q = sa.select(people).where(in_scope(actor, people)).order_by(people.c.id_number)
    if area:
        actor.scope.require_overlap(area)
        q = q.where(within(people, area))
    if tag:
        q = q.where(has_tag(uow, people, tag))
    fields = data_fields(model.PERSON)
    return [
        RecordView(Kind.PERSON, m["id_number"], {f: m[f] for f in fields}, m["source"], m["updated_at"],
                   m["updated_by"], m["verified_at"])
        for m in (r._mapping for r in uow.execute(q.limit(limit).offset(offset)))
    ]  # fmt: skip
