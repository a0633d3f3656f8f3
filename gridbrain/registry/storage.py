"""Storage of the library's records: upsert by key with history, in bulk.

`upsert_batch` is the one place that turns checked records into rows: it merges with what is
held (source precedence from `model.merge`), keeps a version row only for records that actually
changed, and writes new and changed rows in bulk (COPY into a staging table and
`INSERT ... ON CONFLICT` on PostgreSQL, `INSERT ... ON CONFLICT` executemany on SQLite).
Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.ids import new_id
from gridbrain.registry import model
from gridbrain.registry.model import Kind, RecordSpec
from gridbrain.registry.signals import RecordsChanged
from gridbrain.registry.tables import enterprises, houses, people, places, record_versions, verification_tasks

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
    if not records:
        return UpsertResult()
    table = TABLES[spec.kind]
    keys = list({r[spec.key] for r in records})
    current = {row[0]: dict(row._mapping) for row in _fetch(uow, table, spec.key, keys)}
    batch = _Batch(spec, current, source, actor.username)
    for rec in records:
        batch.add(rec)
    rows = batch.rows
    write_rows(uow, table, spec.key, [r for k, r in rows.items() if k not in current], new=True)
    write_rows(uow, table, spec.key, [r for k, r in rows.items() if k in current])
    if batch.versions:
        uow.execute(record_versions.insert(), batch.versions)
    if batch.tasks:
        uow.execute(verification_tasks.insert(), batch.tasks)
    result = batch.result
    if result.new or result.changed:
        uow.emit(RecordsChanged(spec.kind.value, result.new, tuple(result.changed_keys), source))
    return result


class _Batch:
    """The rows, versions and verification tasks one batch of records comes to (no I/O)."""

    def __init__(self, spec: RecordSpec, current: dict[str, dict[str, Any]], source: str, by: str | None) -> None:
        self.spec, self.current, self.source, self.by = spec, current, source, by
        self.fields = data_fields(spec)
        self.now = clock.now()
        self.result = UpsertResult()
        self.rows: dict[str, dict[str, Any]] = {}
        self.versions: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []

    def add(self, rec: dict[str, Any]) -> None:
        k = rec[self.spec.key]
        held = self.rows.get(k) or self.current.get(k)
        if held is None:
            self._add_new(k, rec)
        else:
            self._overwrite(k, dict(held), rec)

    def _add_new(self, k: str, rec: dict[str, Any]) -> None:
        row = dict.fromkeys(_columns(TABLES[self.spec.kind]))
        row.update({f: rec.get(f) for f in self.fields})
        row.update(source=self.source, updated_at=self.now, updated_by=self.by)
        if self.spec.kind is Kind.ENTERPRISE and row.get("status") is None:
            row["status"] = "存续"
        self.rows[k] = row
        self.result.new += 1

    def _overwrite(self, k: str, held: dict[str, Any], rec: dict[str, Any]) -> None:
        spec, fields = self.spec, self.fields
        before = {f: held.get(f) for f in fields}
        incoming = {f: rec[f] for f in fields if f in rec and f not in LINKED and f != spec.address_code_field}
        merged = model.merge(before, held.get("field_sources"), held["source"], incoming, self.source)
        for name in merged.kept:
            self.result.kept[name] = self.result.kept.get(name, 0) + 1
        if not merged.changed:
            self.result.unchanged += 1
            return
        after = merged.values
        if spec.address_field in merged.changed:
            for linked in (spec.address_code_field, *LINKED):
                if linked:
                    after[linked] = rec.get(linked)
        if k in self.current and k not in self.rows:  # the first change of this batch supersedes the stored row
            self._supersede(k, held, before, after)
        held.update(after)
        held.update(source=self.source, field_sources=merged.sources, updated_at=self.now, updated_by=self.by)
        self.rows[k] = held
        if spec.kind is Kind.PERSON and spec.address_field in merged.changed and after.get("grid_code"):
            self.tasks.append(
                task_row(spec.kind, k, after["grid_code"], model.TaskReason.SIGNAL, "居住地址变更，请核实", self.now)
            )

    def _supersede(self, k: str, held: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> None:
        changed_fields = sorted({f for f in self.fields if not model.same_value(before.get(f), after.get(f))})
        self.versions.append(
            {
                "kind": self.spec.kind.value, "record_key": k, "valid_from": held["updated_at"],
                "valid_to": self.now, "data": _jsonable(before), "source": held["source"],
                "written_by": held.get("updated_by"), "replaced_by_source": self.source, "replaced_by": self.by,
                "changed_fields": changed_fields,
            }
        )  # fmt: skip
        self.result.changed += 1
        self.result.changed_keys.append(k)


def task_row(
    kind: Kind, key: str, grid: str, reason: model.TaskReason, detail: str | None, now: datetime
) -> dict[str, Any]:
    """The row of a new open verification task, due today (China time)."""
    return task_values(model.VerificationTask.new(new_id(), kind.value, key, grid, reason, detail, at=now,
                                                  due_on=clock.local(now).date()))  # fmt: skip


def task_values(task: model.VerificationTask) -> dict[str, Any]:
    """A verification task as its table row."""
    values = asdict(task)
    values.update(reason=task.reason.value, status=task.status.value, changed_fields=list(task.changed_fields) or None)
    return values


def task_of(row: Mapping[Any, Any]) -> model.VerificationTask:
    """A verification task from its table row."""
    return model.VerificationTask(
        id=row["id"], kind=row["kind"], record_key=row["record_key"], grid_code=row["grid_code"],
        reason=model.TaskReason(row["reason"]), detail=row["detail"], status=model.TaskStatus(row["status"]),
        created_at=row["created_at"], due_on=row["due_on"], answered_at=row["answered_at"],
        answered_by=row["answered_by"], changed_fields=tuple(row["changed_fields"] or ()),
    )  # fmt: skip


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
