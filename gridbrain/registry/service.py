"""Use cases of the governance library: upsert by key with history, read a record as it was on
a date, list within scope, map layers.

Writes go through `upsert_batch`, the one place that turns checked records into rows: it merges
with what is held (source precedence from `model.merge`), keeps a version row only for records
that actually changed, and writes new and changed rows in bulk (COPY into a staging table and
`INSERT ... ON CONFLICT` on PostgreSQL, `INSERT ... ON CONFLICT` executemany on SQLite).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

import sqlalchemy as sa
import yaml
from sqlalchemy.dialects import postgresql, sqlite

from gridbrain.core import audit, clock, masking
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.core.ids import new_id
from gridbrain.registry import model
from gridbrain.registry.model import Kind, RecordSpec
from gridbrain.registry.tables import (
    enterprises,
    houses,
    people,
    places,
    record_versions,
    verification_tasks,
)

TABLES: dict[Kind, sa.Table] = {
    Kind.PERSON: people,
    Kind.ENTERPRISE: enterprises,
    Kind.HOUSE: houses,
    Kind.PLACE: places,
}
# fields that come with the address match, not from the source file
LINKED = ("grid_code", "area_code", "address_match")


def data_fields(spec: RecordSpec) -> tuple[str, ...]:
    """The fields a version keeps: the spec's fields, the address code and the linked fields."""
    table = TABLES[spec.kind]
    names = [n for n in spec.names if n in table.c]
    if spec.address_code_field and spec.address_code_field not in names:
        names.append(spec.address_code_field)
    return (*names, *LINKED)


# --- address matching --------------------------------------------------------------------------


class AddressMatch(Protocol):
    resolved: bool
    code: str | None
    grid_code: str | None


class AddressMatcher(Protocol):
    def match(self, text: str) -> AddressMatch: ...


def default_matcher(uow: UnitOfWork) -> AddressMatcher | None:
    """The standard address library's matcher when that capability is installed, else None.

    Built through the caller's connection: on SQLite a second connection would wait for the
    caller's own write lock."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("gridbrain.addresses.matcher") is None:
        return None
    module = importlib.import_module("gridbrain.addresses.matcher")
    # building the matcher may set streaming options on the connection it is given
    # (Connection.execution_options changes the connection in place): keep ours as they were
    saved = uow.conn._execution_options
    try:
        matcher: AddressMatcher = module.matcher_for(uow.engine, uow.conn)
    finally:
        uow.conn._execution_options = saved
    return matcher


class CachedMatcher:
    """Addresses repeat (a household shares one): remember the last few thousand answers."""

    def __init__(self, matcher: AddressMatcher | None, size: int = 50_000) -> None:
        self.matcher = matcher
        self._lookup = lru_cache(maxsize=size)(self._match) if matcher is not None else None

    def _match(self, text: str) -> tuple[str | None, str | None]:
        assert self.matcher is not None
        m = self.matcher.match(text)
        return (m.code, m.grid_code) if m is not None and m.resolved else (None, None)

    def locate(self, text: str) -> tuple[str | None, str | None]:
        """(address code, grid code); (None, None) when unmatched or no matcher is installed."""
        return self._lookup(text) if self._lookup is not None else (None, None)

    @property
    def available(self) -> bool:
        return self.matcher is not None


def place_on_map(spec: RecordSpec, values: dict[str, Any], matcher: CachedMatcher, fallback_area: str | None) -> None:
    """Match the record's address; keep the normalised text either way and say whether it matched."""
    if spec.address_field is None or spec.address_code_field is None:
        return
    text = values.get(spec.address_field)
    if text is None:
        values.setdefault("area_code", fallback_area)  # so the record stays in the importer's scope
        return
    code, grid = matcher.locate(text)
    if code is not None:
        if spec.kind is Kind.HOUSE and values.get("address_code") not in (None, code):
            code = values["address_code"]  # the file's own code wins over a text match
        values[spec.address_code_field] = code
        values["grid_code"] = grid
        values["area_code"] = grid or fallback_area
        values["address_match"] = "matched"
    else:
        values.setdefault(spec.address_code_field, None)
        values["grid_code"] = None
        values["area_code"] = fallback_area
        values["address_match"] = "unmatched"


# --- upsert with history ---------------------------------------------------------------------


@dataclass
class UpsertResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    kept: dict[str, int] = field(default_factory=dict)  # field → times a stronger source's value was kept
    changed_keys: list[str] = field(default_factory=list)


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in values.items()}


def upsert_batch(
    uow: UnitOfWork,
    spec: RecordSpec,
    records: Sequence[dict[str, Any]],
    *,
    source: str,
    actor: Actor,
) -> UpsertResult:
    """Insert new records, overwrite known ones field by field (precedence), keep old versions."""
    table = TABLES[spec.kind]
    key = spec.key
    fields = data_fields(spec)
    now = clock.now()
    result = UpsertResult()
    if not records:
        return result
    keys = list({r[key] for r in records})
    current = {row[0]: row for row in _fetch(uow, table, key, keys)}
    rows: dict[str, dict[str, Any]] = {}
    versions: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    for rec in records:
        k = rec[key]
        held = rows.get(k)
        if held is None and k in current:
            held = dict(current[k]._mapping)
        if held is None:
            row = dict.fromkeys(_columns(table))
            row.update({f: rec.get(f) for f in fields})
            row.update(source=source, updated_at=now, updated_by=actor.username)
            if spec.kind is Kind.ENTERPRISE and row.get("status") is None:
                row["status"] = "存续"
            rows[k] = row
            result.new += 1
            continue
        before = {f: held.get(f) for f in fields}
        incoming = {f: rec[f] for f in fields if f in rec and f not in LINKED and f != spec.address_code_field}
        merged = model.merge(before, held.get("field_sources"), held["source"], incoming, source)
        for name, n in ((n, 1) for n in merged.kept):
            result.kept[name] = result.kept.get(name, 0) + n
        if not merged.changed:
            result.unchanged += 1
            continue
        after = merged.values
        if spec.address_field in merged.changed:
            for linked in (spec.address_code_field, *LINKED):
                if linked:
                    after[linked] = rec.get(linked)
        changed_fields = sorted({f for f in fields if not model._same(before.get(f), after.get(f))})
        if k in current and k not in rows:  # the first change of this batch supersedes the stored row
            versions.append(
                {
                    "kind": spec.kind.value,
                    "record_key": k,
                    "valid_from": held["updated_at"],
                    "valid_to": now,
                    "data": _jsonable(before),
                    "source": held["source"],
                    "written_by": held.get("updated_by"),
                    "replaced_by_source": source,
                    "replaced_by": actor.username,
                    "changed_fields": changed_fields,
                }
            )
            result.changed += 1
            result.changed_keys.append(k)
        row = dict(held)
        row.update(after)
        row.update(source=source, field_sources=merged.sources, updated_at=now, updated_by=actor.username)
        rows[k] = row
        if spec.kind is Kind.PERSON and spec.address_field in merged.changed and after.get("grid_code"):
            tasks.append(_task_row(spec.kind, k, after["grid_code"], "signal", "居住地址变更，请核实", now))
    write_rows(uow, table, key, [r for k, r in rows.items() if k not in current], new=True)
    write_rows(uow, table, key, [r for k, r in rows.items() if k in current])
    if versions:
        uow.execute(record_versions.insert(), versions)
    if tasks:
        uow.execute(verification_tasks.insert(), tasks)
    if result.new or result.changed:
        # one signal per batch, not per record: the graph and analysis refresh what they derive
        uow.emit("registry:records:changed", kind=spec.kind.value, new=result.new, changed_keys=result.changed_keys,
                 source=source)  # fmt: skip
    return result


def _task_row(kind: Kind, key: str, grid: str, reason: str, detail: str | None, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "kind": kind.value,
        "record_key": key,
        "grid_code": grid,
        "reason": reason,
        "detail": detail,
        "status": "open",
        "created_at": now,
        "due_on": clock.local(now).date(),
        "answered_at": None,
        "answered_by": None,
        "changed_fields": None,
    }


def _fetch(uow: UnitOfWork, table: sa.Table, key: str, keys: list[str]) -> Iterable[Any]:
    col = table.c[key]
    if uow.postgres:
        cond = col == sa.any_(sa.bindparam("keys", keys, type_=postgresql.ARRAY(sa.String)))
    else:
        cond = col.in_(keys)
    # key first so callers can index rows by row[0]
    return uow.execute(sa.select(col, *[c for c in table.c if c.name != key]).where(cond))


@lru_cache(maxsize=16)
def _columns(table: sa.Table) -> tuple[str, ...]:
    return tuple(table.c.keys())


def write_rows(uow: UnitOfWork, table: sa.Table, key: str, rows: list[dict[str, Any]], *, new: bool = False) -> None:
    """Insert or overwrite whole rows by key, in bulk. `new`: none of the keys is held yet."""
    if not rows:
        return
    cols = list(_columns(table))
    if uow.postgres:
        _copy_upsert(uow, table, key, cols, rows, new=new)
        return
    stmt = sqlite.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[key]], set_={c: stmt.excluded[c] for c in cols if c != key}
    )
    uow.execute(stmt, rows)


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        return "t" if value else "f"
    elif isinstance(value, date | datetime):
        return value.isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False)
    else:
        return str(value)
    if _COPY_SPECIAL.search(text):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_upsert(
    uow: UnitOfWork, table: sa.Table, key: str, cols: list[str], rows: list[dict[str, Any]], *, new: bool
) -> None:
    """PostgreSQL: new rows are COPied straight in; overwritten ones go through a session-local
    staging table and one INSERT ... ON CONFLICT DO UPDATE."""
    quoted = ", ".join(f'"{c}"' for c in cols)
    data = "".join("\t".join([_copy_text(r[c]) for c in cols]) + "\n" for r in rows)
    target = table.name
    if not new:
        target = f"stage_{table.name}"
        uow.conn.exec_driver_sql(
            f'CREATE TEMP TABLE IF NOT EXISTS "{target}" (LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS'
        )
        uow.conn.exec_driver_sql(f'TRUNCATE "{target}"')
    cursor = uow.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{target}" ({quoted}) FROM STDIN') as copy:
        copy.write(data.encode())
    if new:
        return
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in cols if c != key)
    # names come from our own table definitions, never from input
    upsert = f'INSERT INTO "{table.name}" ({quoted}) SELECT {quoted} FROM "{target}" '  # noqa: S608
    uow.conn.exec_driver_sql(upsert + f'ON CONFLICT ("{key}") DO UPDATE SET {updates}')


# --- reading ---------------------------------------------------------------------------------------


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
    return at if at.tzinfo else at.replace(tzinfo=clock.CHINA)


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
    updated_at = _utc(m["updated_at"])
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
    return RecordView(
        kind, key, _revive(spec, v["data"]), v["source"], _utc(v["valid_from"]), v["written_by"], None, as_of
    )


def _utc(at: datetime) -> datetime:
    # SQLite hands back naive datetimes: they were stored in UTC
    return at if at.tzinfo is not None else at.replace(tzinfo=clock.now().tzinfo)


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
    """ID numbers and phones as the actor's role may see them."""
    out = dict(values)
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
    from gridbrain.core.codes import CodeError, area_prefix

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
) -> list[dict[str, Any]]:
    """People inside the actor's scope (and `area`), optionally with a tag, by ID number."""
    q = sa.select(people).where(in_scope(actor, people)).order_by(people.c.id_number)
    if area:
        q = q.where(within(people, area))
    if tag:
        q = q.where(has_tag(uow, people, tag))
    return [dict(r._mapping) for r in uow.execute(q.limit(limit).offset(offset))]


def write_one(
    uow: UnitOfWork, actor: Actor, kind: Kind, values: dict[str, Any], *, source: str, tag: str
) -> UpsertResult:
    """One checked record written like an import, audited."""
    spec = model.SPECS[kind]
    result = upsert_batch(uow, spec, [values], source=source, actor=actor)
    audit.record(
        uow,
        tag,
        actor=actor,
        subject_id=str(values[spec.key]),
        area_code=values.get("grid_code") or values.get("area_code"),
        detail={"new": result.new, "changed": result.changed, "source": source},
    )
    return result


# --- map layers ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def layers() -> dict[str, str]:
    """code → Chinese name of the 26 map layers (registry/data/layers.yaml)."""
    text = resources.files("gridbrain.registry").joinpath("data/layers.yaml").read_text("utf-8")
    return {item["code"]: item["name"] for item in yaml.safe_load(text)}


def layer_geojson(uow: UnitOfWork, actor: Actor, layer: str, area: str | None = None) -> dict[str, Any]:
    """The places of one layer as a GeoJSON FeatureCollection, inside the actor's scope and `area`."""
    names = layers()
    if layer not in names:
        raise NotFound(f"layer {layer} not found")
    q = sa.select(places).where(places.c.layer == layer, in_scope(actor, places)).order_by(places.c.id)
    if area:
        q = q.where(within(places, area))
    features = []
    for r in uow.execute(q):
        geometry = {"type": "Point", "coordinates": [r.lng, r.lat]} if r.lat is not None and r.lng is not None else None
        features.append(
            {
                "type": "Feature",
                "id": r.id,
                "geometry": geometry,
                "properties": {
                    "name": r.name,
                    "layer": r.layer,
                    "layer_name": names[layer],
                    "address": r.address,
                    "address_code": r.address_code,
                    "grid_code": r.grid_code,
                    "uscc": r.uscc,
                    **(r.attributes or {}),
                },
            }
        )
    return {"type": "FeatureCollection", "name": names[layer], "features": features}
