"""Intake of readings from every adapter (MQTT, HTTP batch, CSV drop): admission, storage,
hourly aggregates, rules and alarms, in the caller's transaction (the caller commits, then
acknowledges). Nothing is dropped silently: every item is stored or counted as rejected."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.perception import alarms, storage
from gridbrain.perception.devices import cache
from gridbrain.perception.kinds import kinds
from gridbrain.perception.model import Admission, Reading, Reason, Rejected, admit, check_topic, parse_payload
from gridbrain.perception.rules import Change, DeviceState, Override, RuleBook, evaluate
from gridbrain.perception.rules import sweep as sweep_rules
from gridbrain.perception.settings import get_perception_settings
from gridbrain.perception.tables import device_states, rule_overrides

SOURCES = ("mqtt", "http", "csv")


@dataclass(frozen=True)
class Incoming:
    """One item as an adapter received it: raw bytes (MQTT, with its topic) or a parsed object."""

    source: str
    payload: bytes | str | Mapping[str, Any]
    topic: str | None = None


@dataclass(frozen=True)
class ItemResult:
    index: int
    stored: bool
    reason: str | None = None
    detail: str | None = None


@dataclass
class Outcome:
    stored: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    changes: int = 0
    items: list[ItemResult] = field(default_factory=list)


# --- the rules in force, reloaded when an override changes (no restart) -----------------------------

_book: tuple[tuple[int, Any], RuleBook] | None = None
_book_lock = threading.Lock()


def rulebook(uow: UnitOfWork) -> RuleBook:
    """The kinds' rules with the stored overrides; one cheap query tells whether they changed."""
    global _book
    seen: Any = uow.execute(
        sa.select(sa.func.count(), sa.func.max(rule_overrides.c.updated_at)).select_from(rule_overrides)
    ).one()
    key = (int(seen[0]), seen[1])
    with _book_lock:
        if _book is not None and _book[0] == key:
            return _book[1]
    rows = uow.execute(sa.select(rule_overrides))
    overrides = [Override(r.kind, r.rule_code, r.device_code or None, r.params or {}, r.enabled) for r in rows]
    book = RuleBook(kinds(), overrides)
    with _book_lock:
        _book = (key, book)
    return book


def _raw_text(payload: bytes | str | Mapping[str, Any]) -> str:
    if isinstance(payload, bytes):
        return payload[:2000].decode("utf-8", "replace")
    if isinstance(payload, str):
        return payload[:2000]
    return json.dumps(payload, ensure_ascii=False, default=str)[:2000]


def _parse(item: Incoming) -> Mapping[str, Any] | Rejected:
    if isinstance(item.payload, bytes | str):
        return parse_payload(item.payload)
    if not isinstance(item.payload, Mapping):
        return Rejected(Reason.MALFORMED, "not a JSON object")
    return item.payload


def _admit_all(
    uow: UnitOfWork, items: Sequence[Incoming], now: datetime
) -> tuple[list[tuple[int, Reading]], list[tuple[int, Rejected]]]:
    parsed = [_parse(it) for it in items]
    codes = {p["device_id"] for p in parsed if not isinstance(p, Rejected) and isinstance(p.get("device_id"), str)}
    refs = cache.lookup(uow, codes)
    s = get_perception_settings()
    window = Admission(now, timedelta(seconds=s.max_future_s), timedelta(days=s.max_age_days))
    good: list[tuple[int, Reading]] = []
    bad: list[tuple[int, Rejected]] = []
    seen: set[tuple[str, datetime]] = set()
    k = kinds()
    for i, (it, p) in enumerate(zip(items, parsed, strict=True)):
        if isinstance(p, Rejected):
            bad.append((i, p))
            continue
        if it.topic is not None:
            wrong = check_topic(it.topic, p, refs)
            if wrong is not None:
                bad.append((i, wrong))
                continue
        r = admit(p, refs, k, window)
        if isinstance(r, Rejected):
            bad.append((i, r))
        elif (r.device_id, r.ts) in seen:
            bad.append((i, Rejected(Reason.DUPLICATE, f"{r.device_id} at {r.ts.isoformat()} twice", r.device_id)))
        else:
            seen.add((r.device_id, r.ts))
            good.append((i, r))
    return good, bad


def _run_rules(uow: UnitOfWork, stored: list[Reading]) -> tuple[list[Change], dict[str, DeviceState], dict[str, str]]:
    by_device: dict[str, list[Reading]] = {}
    for r in stored:
        by_device.setdefault(r.device_id, []).append(r)
    refs = cache.lookup(uow, by_device)
    states = storage.load_states(uow, sorted(by_device), lock=True)
    book = rulebook(uow)
    changes: list[Change] = []
    for code, rs in by_device.items():
        ref = refs[code]
        rules = book.rules_for(ref.kind, code)
        st = states[code]
        for r in sorted(rs, key=lambda r: r.ts):
            changes += evaluate(code, rules, st, r.values, r.ts.timestamp())
    return changes, states, {c: refs[c].kind for c in states}


def ingest(uow: UnitOfWork, items: Sequence[Incoming]) -> Outcome:
    """Admit, store and evaluate a batch of readings; reject the rest by reason (with samples).
    Alarms the rules raise or clear are applied in the same transaction."""
    now = clock.now()
    good, bad = _admit_all(uow, items, now)
    inserted = storage.store_readings(uow, [r for _, r in good], now)
    out = Outcome()
    stored: list[Reading] = []
    for i, r in good:
        if (r.device_id, r.ts) in inserted:
            stored.append(r)
            out.items.append(ItemResult(i, True))
        else:
            bad.append(
                (i, Rejected(Reason.DUPLICATE, f"{r.device_id} at {r.ts.isoformat()} already stored", r.device_id))
            )
    samples = []
    for i, rej in bad:
        out.rejected[rej.reason.value] += 1
        out.items.append(ItemResult(i, False, rej.reason.value, rej.detail))
        samples.append(
            storage.Sample(rej.reason.value, items[i].source, rej.device_id, rej.detail, _raw_text(items[i].payload))
        )
    changes, states, kinds_of = _run_rules(uow, stored) if stored else ([], {}, {})
    with uow.pipeline():  # writes nobody reads back: one round trip for them all on PostgreSQL
        storage.save_states(uow, states, kinds_of)
        storage.add_hourly(uow, stored)
    storage.count_rejections(uow, samples, now, keep=get_perception_settings().samples_per_reason)
    if changes:
        out.changes = len(changes)
        alarms.apply(uow, changes, from_readings=True)
    out.stored = len(stored)
    out.items.sort(key=lambda x: x.index)
    return out


def sweep(uow: UnitOfWork, *, batch: int = 5000) -> int:
    """Absence and inactivity, on the clock: devices silent too long go offline, watched homes
    quiet too long raise care alarms. Answers the alarms raised."""
    now = clock.now()
    book = rulebook(uow)
    k = kinds()
    # a device can only have gone silent if it was last seen before the shortest window
    cutoff = now - timedelta(seconds=min(kd.interval_s for kd in k.kinds.values()))
    codes = [
        r[0]
        for r in uow.execute(
            sa.select(device_states.c.device_code)
            .where(device_states.c.last_seen_at < cutoff)
            .order_by(device_states.c.device_code)
        )
    ]
    raised = 0
    for i in range(0, len(codes), batch):
        part = codes[i : i + batch]
        refs = cache.lookup(uow, part)
        states = storage.load_states(uow, part, lock=True)
        changes: list[Change] = []
        for code in part:
            ref = refs.get(code)
            if ref is None:
                continue
            rules = book.rules_for(ref.kind, code)
            changes += sweep_rules(
                code, rules, states[code], k.kinds[ref.kind].interval_s, now.timestamp(), watched=ref.watched
            )
        if changes:
            storage.save_states(
                uow, {c.device_code: states[c.device_code] for c in changes}, {c: refs[c].kind for c in refs}
            )
            alarms.apply(uow, changes, from_readings=False)
            raised += len(changes)
    return raised
