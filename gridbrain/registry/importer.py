"""Import of people, enterprises, houses and places from CSV, XLSX or JSON Lines.

Streamed: the file is read row by row (`sources`) and handled in batches (never whole in
memory). Each record is accepted, fixed (each fix listed in `registry_fixes`) or quarantined
(every reason listed); the run ends with read = accepted + fixed + quarantined.

An import owns its transactions, the one use case of the library that commits: each batch is
committed, so a long import holds no long transaction and a crash loses at most the current
batch, and the run's counts can be polled while it goes.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gridbrain.config import get_settings
from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.core.ids import new_id
from gridbrain.registry import model
from gridbrain.registry.layers import layers
from gridbrain.registry.matching import AddressMatcher, CachedMatcher, default_grids, default_matcher, place_on_map
from gridbrain.registry.model import Checked, Kind, Outcome, RecordSpec
from gridbrain.registry.notify import Notifier, default_notifier
from gridbrain.registry.sources import FORMATS, RawRow, detect_format, read_rows
from gridbrain.registry.storage import upsert_batch
from gridbrain.registry.tables import import_runs, quarantine, record_fixes

BATCH = 5000
DEFAULT = "default"  # the standard address library's matcher


def home_area(actor: Actor) -> str:
    """Where records without a grid belong: the importer's area, or the whole district for an
    unrestricted importer (so the district's stewards still see them)."""
    return actor.area_code or get_settings().district_code


@dataclass(frozen=True)
class ImportCommand:
    """Import one file of `kind` records from `source` (导入)."""

    kind: str
    path: Path
    source: str = "import"
    fmt: str | None = None
    filename: str | None = None
    batch_size: int = BATCH

    @property
    def name(self) -> str:
        return self.filename or self.path.name


@dataclass
class ImportResult:
    run_id: str
    kind: str
    read: int = 0
    accepted: int = 0
    fixed: int = 0
    quarantined: int = 0
    new: int = 0
    changed: int = 0
    fix_counts: Counter[str] = field(default_factory=Counter)
    reason_counts: Counter[str] = field(default_factory=Counter)
    matcher: bool = False

    @property
    def balanced(self) -> bool:
        return self.accepted + self.fixed + self.quarantined == self.read

    def counts(self) -> dict[str, int]:
        return {"read": self.read, "accepted": self.accepted, "fixed": self.fixed, "quarantined": self.quarantined}


Progress = Callable[[int], None]


def import_file(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    path: Path,
    *,
    source: str = "import",
    fmt: str | None = None,
    filename: str | None = None,
    matcher: AddressMatcher | str | None = DEFAULT,
    notifier: Notifier | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH,
) -> ImportResult:
    """Import a file of `kind` records; commits batch by batch and returns the counts."""
    command = ImportCommand(kind, path, source=source, fmt=fmt, filename=filename, batch_size=batch_size)
    return run(uow, actor, command, matcher=matcher, notifier=notifier, progress=progress)


def run(
    uow: UnitOfWork,
    actor: Actor,
    command: ImportCommand,
    *,
    matcher: AddressMatcher | str | None = DEFAULT,
    notifier: Notifier | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Run one import: check, write batch by batch, close the run, tell the steward."""
    spec, fmt = _checked_command(command)
    grids = default_grids(uow) if spec.kind is Kind.PLACE else None  # built before the writer takes the connection
    cached = CachedMatcher(default_matcher(uow) if matcher == DEFAULT else matcher, grids=grids)  # type: ignore[arg-type]
    result = ImportResult(new_id(), spec.kind.value, matcher=cached.available)
    _open_run(uow, actor, command, fmt, result)
    uow.commit()
    known_layers = tuple(layers()) if spec.kind is Kind.PLACE else None
    with _Writer(uow, actor, spec, result, command.source) as writer:
        batch: list[tuple[RawRow, Checked | None]] = []
        for raw in read_rows(command.path, fmt, spec):
            checked = None if raw.problem else model.check_record(spec, raw.values, layers=known_layers)
            batch.append((raw, checked))
            if len(batch) >= command.batch_size:
                writer.put(_prepare(actor, spec, batch, result, cached, command.source))
                batch = []
                if progress:
                    progress(result.read)
        writer.put(_prepare(actor, spec, batch, result, cached, command.source))
    if progress:
        progress(result.read)
    _close_run(uow, actor, result)
    uow.commit()
    if result.quarantined:
        (notifier or default_notifier()).digest(*_digest(result, command.name))
    return result


def _checked_command(command: ImportCommand) -> tuple[RecordSpec, str]:
    try:
        spec = model.spec_for(command.kind)
    except ValueError as e:
        raise Invalid("kind", str(e)) from e
    if command.source not in model.KNOWN_SOURCES:
        raise Invalid("source", f"one of {', '.join(sorted(model.KNOWN_SOURCES))}")
    fmt = command.fmt or detect_format(command.name)
    if fmt not in FORMATS:
        raise Invalid("format", f"one of {', '.join(FORMATS)}")
    return spec, fmt


def _open_run(uow: UnitOfWork, actor: Actor, command: ImportCommand, fmt: str, result: ImportResult) -> None:
    uow.execute(
        import_runs.insert().values(
            id=result.run_id, kind=result.kind, filename=command.name[:200], format=fmt, source=command.source,
            actor=actor.username, area_code=home_area(actor), started_at=clock.now(), status="running",
        )
    )  # fmt: skip


def _close_run(uow: UnitOfWork, actor: Actor, result: ImportResult) -> None:
    uow.execute(
        import_runs.update()
        .where(import_runs.c.id == result.run_id)
        .values(
            finished_at=clock.now(), status="done", changed=result.changed, fix_counts=dict(result.fix_counts),
            **result.counts(),
        )
    )  # fmt: skip
    audit.record(
        uow,
        "registry:import:finished",
        actor=actor,
        subject_id=result.run_id,
        area_code=actor.area_code,
        detail={"kind": result.kind, **result.counts(), "new": result.new, "changed": result.changed},
    )


def _digest(result: ImportResult, filename: str) -> tuple[str, str]:
    subject = f"[gridbrain] 数据导入 {filename}：{result.quarantined} 条记录待人工处理"
    lines = [
        f"导入批次 {result.run_id}（{result.kind}）",
        f"读取 {result.read}，直接入库 {result.accepted}，自动修正 {result.fixed}，待处理 {result.quarantined}。",
        "",
        "待处理原因（字段: 规则 — 条数）：",
        *(f"  {reason} — {n}" for reason, n in result.reason_counts.most_common(20)),
        "",
        f"请在 GET /api/v1/quarantine?run_id={result.run_id} 处理（修正、接受或退回）。",
    ]
    return subject, "\n".join(lines)


@dataclass
class _Prepared:
    good: list[dict[str, Any]]
    fixes: list[dict[str, Any]]
    held: list[dict[str, Any]]
    counts: dict[str, int]


class _Writer:
    """Writes prepared batches on the unit of work's connection in a thread of its own, so the
    database works on batch n while Python checks batch n + 1 (the driver releases the GIL
    while it waits). Only this thread touches the connection until the context closes."""

    def __init__(self, uow: UnitOfWork, actor: Actor, spec: RecordSpec, result: ImportResult, source: str) -> None:
        self.uow, self.actor, self.spec, self.result, self.source = uow, actor, spec, result, source
        self.queue: queue.Queue[_Prepared | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="registry-import-writer", daemon=True)

    def __enter__(self) -> _Writer:
        self.thread.start()
        return self

    def put(self, prepared: _Prepared) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(prepared)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.error = self.error or exc
            # drop what is queued so the thread ends
            while not self.queue.empty():
                self.queue.get_nowait()
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc_type is None:
            raise self.error

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue
            try:
                _write(self.uow, self.actor, self.spec, item, self.result, self.source)
            except BaseException as e:  # handed to the reading thread, which raises it
                self.error = e


def _prepare(
    actor: Actor,
    spec: RecordSpec,
    batch: list[tuple[RawRow, Checked | None]],
    result: ImportResult,
    matcher: CachedMatcher,
    source: str,
) -> _Prepared:
    """Sort a batch into records to write, fixes to list and records to quarantine (no I/O)."""
    prepared = _Prepared([], [], [], {})
    area = home_area(actor)
    for raw, checked in batch:
        result.read += 1
        if checked is not None:
            checked.problems.extend(place_on_map(spec, checked.values, matcher, area))
        if checked is None or checked.outcome is Outcome.QUARANTINED:
            prepared.held.append(_held(raw, checked, spec, result, source, area))
            result.quarantined += 1
            continue
        prepared.good.append(checked.values)
        if checked.outcome is Outcome.FIXED:
            result.fixed += 1
            for f in checked.fixes:
                result.fix_counts[f"{f.field}:{f.rule}"] += 1
            prepared.fixes.append(
                {
                    "run_id": result.run_id, "kind": spec.kind.value, "record_key": checked.values[spec.key],
                    "row_number": raw.number, "fixes": [f.as_dict() for f in checked.fixes],
                }
            )  # fmt: skip
        else:
            result.accepted += 1
    prepared.counts = result.counts()
    return prepared


def _held(
    raw: RawRow, checked: Checked | None, spec: RecordSpec, result: ImportResult, source: str, area: str
) -> dict[str, Any]:
    """The quarantine row of a record that needs a person, every reason listed and counted."""
    reasons = [{"field": "line", "rule": raw.problem}] if checked is None else [p.as_dict() for p in checked.problems]
    for r in reasons:
        result.reason_counts[f"{r['field']}: {r['rule']}"] += 1
    return {
        "id": new_id(), "run_id": result.run_id, "kind": spec.kind.value, "row_number": raw.number,
        "record_key": _key_text(raw.values.get(spec.key)), "raw": _raw_json(raw.values),
        "reasons": reasons, "source": source, "status": "open", "area_code": area,
        "created_at": clock.now(), "resolved_at": None, "resolved_by": None, "resolution": None,
    }  # fmt: skip


def _write(
    uow: UnitOfWork, actor: Actor, spec: RecordSpec, batch: _Prepared, result: ImportResult, source: str
) -> None:
    """Write one prepared batch and commit it."""
    upserted = upsert_batch(uow, spec, batch.good, source=source, actor=actor)
    result.new += upserted.new
    result.changed += upserted.changed
    if batch.fixes:
        uow.execute(record_fixes.insert(), batch.fixes)
    if batch.held:
        uow.execute(quarantine.insert(), batch.held)
    uow.execute(sa.update(import_runs).where(import_runs.c.id == result.run_id).values(**batch.counts))
    uow.commit()


def get_run(uow: UnitOfWork, actor: Actor, run_id: str) -> dict[str, Any]:
    """An import run with its counts so far (updated after every committed batch)."""
    row = uow.execute(sa.select(import_runs).where(import_runs.c.id == run_id)).first()
    if row is None or not (actor.scope.unrestricted or actor.scope.covers(row.area_code)):
        raise NotFound(f"import run {run_id} not found")
    return dict(row._mapping)


def list_runs(uow: UnitOfWork, actor: Actor, *, limit: int = 20) -> list[dict[str, Any]]:
    """The latest import runs the actor may see, newest first, with their counts."""
    q = sa.select(import_runs).order_by(import_runs.c.started_at.desc()).limit(limit)
    if not actor.scope.unrestricted:
        q = q.where(actor.scope.where(import_runs.c.area_code))
    return [dict(r._mapping) for r in uow.execute(q)]


def _key_text(value: Any) -> str | None:
    return None if value is None else str(value).strip()[:40] or None


def _raw_json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, str | int | float | bool | list | None) else str(v)) for k, v in values.items()}
