"""Import of people, enterprises, houses and places from CSV, XLSX or JSON Lines.

Streamed: the file is read row by row and handled in batches (never whole in memory). Each
record is accepted, fixed (each fix listed in `registry_fixes`) or quarantined (every reason
listed); the run ends with read = accepted + fixed + quarantined. Each batch is committed, so a
long import holds no long transaction and a crash loses at most the current batch.
"""

from __future__ import annotations

import csv
import json
import logging
import queue
import smtplib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from gridbrain.config import Settings
from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid
from gridbrain.core.ids import new_id
from gridbrain.registry import model
from gridbrain.registry.model import Checked, Kind, Outcome, RecordSpec
from gridbrain.registry.service import (
    AddressMatcher,
    CachedMatcher,
    default_matcher,
    layers,
    place_on_map,
    upsert_batch,
)
from gridbrain.registry.tables import import_runs, quarantine, record_fixes

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "jsonl")
BATCH = 5000


# --- reading -----------------------------------------------------------------------------------


def detect_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    fmt = {"json": "jsonl", "ndjson": "jsonl", "xlsm": "xlsx"}.get(suffix, suffix)
    if fmt not in FORMATS:
        raise Invalid("file", f"format must be one of {', '.join(FORMATS)} (by file name), got .{suffix}")
    return fmt


@dataclass
class RawRow:
    number: int  # 1-based data row (line for JSON Lines)
    values: dict[str, Any]
    problem: str | None = None  # the row could not even be parsed


def read_rows(path: Path, fmt: str, spec: RecordSpec) -> Iterator[RawRow]:
    """Rows as {field name: raw value}, headings mapped from Chinese or English names."""
    headings = spec.heading_map()
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                return
            names = [headings.get(model.halfwidth(h).strip()) for h in header]
            for i, row in enumerate(reader, start=1):
                yield RawRow(i, {n: v for n, v in zip(names, row, strict=False) if n is not None})
    elif fmt == "xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = wb.worksheets[0].iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                return
            names = [headings.get(model.halfwidth(str(h)).strip()) if h is not None else None for h in header]
            for i, row in enumerate(rows, start=1):
                if all(v is None for v in row):
                    continue
                yield RawRow(i, {n: v for n, v in zip(names, row, strict=False) if n is not None and v is not None})
        finally:
            wb.close()
    else:
        with path.open(encoding="utf-8-sig") as fh:
            for i, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    yield RawRow(i, {"line": line.strip()[:500]}, f"malformed JSON: {e.msg}")
                    continue
                if not isinstance(obj, dict):
                    yield RawRow(i, {"line": line.strip()[:500]}, "a line must hold one JSON object")
                    continue
                yield RawRow(i, {headings[k]: v for k, v in obj.items() if k in headings})


# --- the steward's digest ---------------------------------------------------------------------------


class Notifier(Protocol):
    def digest(self, subject: str, body: str) -> None: ...


class LogNotifier:
    """When no SMTP server is configured the digest goes to the log."""

    def digest(self, subject: str, body: str) -> None:
        log.warning("%s\n%s", subject, body)


class SmtpNotifier:
    """One e-mail per import run to the data steward (GRIDBRAIN_SMTP_HOST, GRIDBRAIN_STEWARD_EMAIL)."""

    def __init__(self, host: str, port: int, sender: str, to: str) -> None:
        self.host, self.port, self.sender, self.to = host, port, sender, to

    def digest(self, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = subject, self.sender, self.to
        msg.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            smtp.send_message(msg)


def default_notifier(settings: Settings | None = None) -> Notifier:
    """E-mail when GRIDBRAIN_SMTP_HOST and GRIDBRAIN_STEWARD_EMAIL are set, else the log."""
    s = settings or Settings()  # read afresh: the environment may have changed since start-up
    if s.smtp_host and s.steward_email:
        return SmtpNotifier(s.smtp_host, s.smtp_port, s.smtp_from, s.steward_email)
    return LogNotifier()


def home_area(actor: Actor) -> str:
    """Where records without a grid belong: the importer's area, or the whole district for an
    unrestricted importer (so the district's stewards still see them)."""
    from gridbrain.config import get_settings

    return actor.area_code or get_settings().district_code


# --- the run ----------------------------------------------------------------------------------------


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
    matcher: AddressMatcher | str | None = "default",
    notifier: Notifier | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH,
) -> ImportResult:
    """Import a file of `kind` records; commits batch by batch and returns the counts."""
    try:
        spec = model.spec_for(kind)
    except ValueError as e:
        raise Invalid("kind", str(e)) from e
    if source not in model.KNOWN_SOURCES:
        raise Invalid("source", f"one of {', '.join(sorted(model.KNOWN_SOURCES))}")
    fmt = fmt or detect_format(filename or path.name)
    if fmt not in FORMATS:
        raise Invalid("format", f"one of {', '.join(FORMATS)}")
    cached = CachedMatcher(default_matcher(uow) if matcher == "default" else matcher)  # type: ignore[arg-type]
    result = ImportResult(new_id(), spec.kind.value, matcher=cached.available)
    uow.execute(
        import_runs.insert().values(
            id=result.run_id,
            kind=spec.kind.value,
            filename=(filename or path.name)[:200],
            format=fmt,
            source=source,
            actor=actor.username,
            area_code=home_area(actor),
            started_at=clock.now(),
            status="running",
        )
    )
    uow.commit()
    known_layers = tuple(layers()) if spec.kind is Kind.PLACE else None
    with _Writer(uow, actor, spec, result, source) as writer:
        batch: list[tuple[RawRow, Checked | None]] = []
        for raw in read_rows(path, fmt, spec):
            checked = None if raw.problem else model.check_record(spec, raw.values, layers=known_layers)
            batch.append((raw, checked))
            if len(batch) >= batch_size:
                writer.put(_prepare(actor, spec, batch, result, cached, source))
                batch = []
                if progress:
                    progress(result.read)
        writer.put(_prepare(actor, spec, batch, result, cached, source))
    if progress:
        progress(result.read)
    uow.execute(
        import_runs.update()
        .where(import_runs.c.id == result.run_id)
        .values(
            finished_at=clock.now(),
            status="done",
            read=result.read,
            accepted=result.accepted,
            fixed=result.fixed,
            quarantined=result.quarantined,
            changed=result.changed,
            fix_counts=dict(result.fix_counts),
        )
    )
    audit.record(
        uow,
        "registry:import:finished",
        actor=actor,
        subject_id=result.run_id,
        area_code=actor.area_code,
        detail={
            "kind": spec.kind.value,
            "read": result.read,
            "accepted": result.accepted,
            "fixed": result.fixed,
            "quarantined": result.quarantined,
            "new": result.new,
            "changed": result.changed,
        },
    )
    uow.commit()
    if result.quarantined:
        (notifier or default_notifier()).digest(*_digest(result, filename or path.name))
    return result


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
    now = clock.now()
    good: list[dict[str, Any]] = []
    fixes: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    for raw, checked in batch:
        result.read += 1
        if checked is not None:
            place_on_map(spec, checked.values, matcher, home_area(actor))
            if spec.kind is Kind.HOUSE and not checked.values.get("address_code"):
                checked.problems.append(model.Problem("address", "not matched to a standard address (the key)"))
        if checked is None or checked.outcome is Outcome.QUARANTINED:
            reasons = (
                [{"field": "line", "rule": raw.problem}] if checked is None else [p.as_dict() for p in checked.problems]
            )
            for r in reasons:
                result.reason_counts[f"{r['field']}: {r['rule']}"] += 1
            held.append(
                {
                    "id": new_id(), "run_id": result.run_id, "kind": spec.kind.value, "row_number": raw.number,
                    "record_key": _key_text(raw.values.get(spec.key)), "raw": _raw_json(raw.values),
                    "reasons": reasons, "source": source, "status": "open", "area_code": home_area(actor),
                    "created_at": now, "resolved_at": None, "resolved_by": None, "resolution": None,
                }
            )  # fmt: skip
            result.quarantined += 1
            continue
        good.append(checked.values)
        if checked.outcome is Outcome.FIXED:
            result.fixed += 1
            for f in checked.fixes:
                result.fix_counts[f"{f.field}:{f.rule}"] += 1
            fixes.append(
                {
                    "run_id": result.run_id, "kind": spec.kind.value, "record_key": checked.values[spec.key],
                    "row_number": raw.number, "fixes": [f.as_dict() for f in checked.fixes],
                }
            )  # fmt: skip
        else:
            result.accepted += 1
    counts = {"read": result.read, "accepted": result.accepted, "fixed": result.fixed,
              "quarantined": result.quarantined}  # fmt: skip
    return _Prepared(good, fixes, held, counts)


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
    from gridbrain.core.errors import NotFound

    row = uow.execute(sa.select(import_runs).where(import_runs.c.id == run_id)).first()
    if row is None or not (actor.scope.unrestricted or actor.scope.covers(row.area_code)):
        raise NotFound(f"import run {run_id} not found")
    return dict(row._mapping)


def _key_text(value: Any) -> str | None:
    return None if value is None else str(value).strip()[:40] or None


def _raw_json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, str | int | float | bool | list | None) else str(v)) for k, v in values.items()}
