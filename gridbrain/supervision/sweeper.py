"""The sweeper: issues yellow and red cards, escalates red-carded events, flags missed
report-ins and late supervision orders.

Idempotent by construction, for any number of sweepers on any number of processes:
- a clock row is claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's `BEGIN IMMEDIATE`
  serialises writers), and the claim, the cards, their audit entries, the clock's new
  `next_check_at` and the escalation commit together, batch by batch;
- the unique key (event_id, kind, round, colour) on cards is the last line: a card insert that
  conflicts is dropped (`ON CONFLICT DO NOTHING`) and only cards really inserted escalate.
A pass only reads rows whose `next_check_at` has come, from an index, so a pass over 100,000
open clocks with nothing due costs one index probe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import DomainError
from gridbrain.core.levels import Level
from gridbrain.supervision import issuing, model, signals
from gridbrain.supervision.access import SWEEPER, record
from gridbrain.supervision.calendar import rules
from gridbrain.supervision.model import Colour
from gridbrain.supervision.orders import service as order_service
from gridbrain.supervision.orders import whistles
from gridbrain.supervision.orders.model import SummonsFlag
from gridbrain.supervision.service import reconcile
from gridbrain.supervision.tables import cards, deadlines, orders, summons

log = logging.getLogger(__name__)

BATCH = 5000
WORKERS = 2  # batches side by side on PostgreSQL: the machine the figures are for has 2 cores


@dataclass
class SweepResult:
    yellow: int = 0
    red: int = 0
    escalated: int = 0
    escalation_failed: int = 0
    no_report_in: int = 0
    no_result: int = 0
    orders_overdue: int = 0
    clocks_checked: int = 0
    escalations: list[str] = field(default_factory=list)

    def add(self, other: SweepResult) -> None:
        for k in (
            "yellow",
            "red",
            "escalated",
            "escalation_failed",
            "no_report_in",
            "no_result",
            "orders_overdue",
            "clocks_checked",
        ):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.escalations.extend(other.escalations)


def _claim(uow: UnitOfWork, q: Any) -> Any:
    return q.with_for_update(skip_locked=True) if uow.postgres else q


def due_batches(engine: Engine, now: datetime, *, batch: int) -> list[list[int]]:
    """The clocks due at `now` cut into batches of about `batch`, oldest first (neighbours in the
    table stay together); the clocks of one event share a batch, so batches running side by side
    never touch one event."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(deadlines.c.id, deadlines.c.event_id)
            .where(deadlines.c.next_check_at <= now.astimezone(UTC))
            .order_by(deadlines.c.next_check_at)
        ).all()
    out: list[list[int]] = [[]]
    home: dict[str, list[int]] = {}  # the batch of each event's first due clock
    for clock_id, event_id in rows:
        if len(out[-1]) >= batch:
            out.append([])
        home.setdefault(event_id, out[-1]).append(clock_id)
    return [b for b in out if b]


def sweep_clocks_batch(
    uow: UnitOfWork, now: datetime, ids: list[int], escalate: bool | None = None, *, stepwise: bool = False
) -> SweepResult | None:
    """Claim the clocks `ids` that are still due and not held by another sweeper; issue their cards.

    Claiming by primary key (not by re-scanning the next_check_at index for every batch) keeps a
    pass linear: the index fills with dead entries of rows this very pass has just moved on.
    The card rules run in SQL, set-based (`issuing`)."""
    res = SweepResult()
    now = now.astimezone(UTC)
    issue = issuing.issue_postgres if uow.postgres and not stepwise else issuing.issue_stepwise
    res.clocks_checked, inserted = issue(uow, now, ids)
    if not res.clocks_checked:
        return None
    kinds = {Colour.YELLOW.value: signals.YellowCardIssued, Colour.RED.value: signals.RedCardIssued}
    emit = uow.emit
    for c in inserted:
        emit(kinds[c.colour](c.id, c.event_id, c.kind, c.round, c.department_code, c.area_code, now))
    res.red = sum(c.colour == Colour.RED for c in inserted)
    res.yellow = len(inserted) - res.red
    if rules().escalate_on_red if escalate is None else escalate:
        escalated: set[str] = set()
        for c in sorted(inserted, key=lambda c: c.id):
            if c.colour == Colour.RED and c.event_id not in escalated:  # one level per event and pass
                escalated.add(c.event_id)
                _escalate(uow, c, res, now)
    return res


def _escalate(uow: UnitOfWork, card: issuing.Issued, res: SweepResult, now: datetime) -> None:
    """A red card sends the event one level up, once; a failure is recorded, never retried."""
    level = Level(card.level) if card.level else None
    up = model.escalation_target(level)
    if up is None:
        return
    from gridbrain.events import service as events

    reason = f"{'响应' if card.kind == 'response' else '处置'}超时红牌，自动升级至上一级"
    savepoint = uow.conn.begin_nested()
    try:
        events.escalate(uow, SWEEPER, card.event_id, to_level=up.value, reason=reason)
    except DomainError as e:
        savepoint.rollback()
        res.escalation_failed += 1
        record(uow, "supervision:escalation:failed", SWEEPER, card.event_id, card.area_code, reason=e.message)
        uow.emit(signals.EscalationFailed(card.event_id, card.id, e.message, now))
        return
    savepoint.commit()
    uow.execute(cards.update().where(cards.c.id == card.id).values(escalated_to=up.value))
    uow.emit(signals.EventEscalatedBySupervision(card.event_id, card.id, level, up, now))
    res.escalated += 1
    res.escalations.append(card.event_id)


def sweep_summons(uow: UnitOfWork, now: datetime) -> SweepResult:
    """Record 吹哨不到 (no report-in by the deadline) and 人到无效 (no result by its deadline), once."""
    res = SweepResult()
    rows = uow.execute(_claim(uow, sa.select(summons).where(summons.c.next_check_at <= now).limit(BATCH))).all()
    for s in rows:
        for flag in whistles.sweep_one(uow, s, SWEEPER, now):
            if flag == SummonsFlag.NO_REPORT_IN:
                res.no_report_in += 1
            else:
                res.no_result += 1
    return res


def sweep_orders(uow: UnitOfWork, now: datetime) -> SweepResult:
    """Mark supervision orders whose reply is late, once."""
    res = SweepResult()
    rows = uow.execute(
        _claim(
            uow,
            sa.select(orders)
            .where(orders.c.status == "open", orders.c.due_at <= now, orders.c.overdue_at.is_(None))
            .limit(BATCH),
        )
    ).all()
    for o in rows:
        res.orders_overdue += order_service.mark_overdue(uow, o, SWEEPER, now)
    return res


def _clocks_batch(engine: Engine, now: datetime, ids: list[int], escalate: bool | None, stepwise: bool) -> SweepResult:
    with UnitOfWork(engine) as uow:
        res = sweep_clocks_batch(uow, now, ids, escalate, stepwise=stepwise)
        if res is None:
            return SweepResult()
        uow.commit()
    return res


def sweep(
    engine: Engine,
    now: datetime | None = None,
    *,
    batch: int = BATCH,
    escalate: bool | None = None,
    workers: int | None = None,
    stepwise: bool = False,
) -> SweepResult:
    """One pass: every due clock, summons and order, in committed batches. `escalate` overrides
    the rules' escalate_on_red (benchmarks measure the card path alone). On PostgreSQL `workers`
    batches (default 2) run side by side on their own connections; SQLite has one writer.
    `stepwise`: issue cards statement by statement (the benchmark's baseline)."""
    now = (now or clock.now()).astimezone(UTC)
    total = SweepResult()
    # a pass works on the clocks due when it began: a round started by its own escalations
    # waits for the next pass
    batches = due_batches(engine, now, batch=batch)
    n = 1 if engine.dialect.name != "postgresql" else (WORKERS if workers is None else workers)
    if n <= 1 or len(batches) <= 1:
        for ids in batches:
            total.add(_clocks_batch(engine, now, ids, escalate, stepwise))
    else:
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="supervision-sweep") as pool:
            for res in pool.map(lambda ids: _clocks_batch(engine, now, ids, escalate, stepwise), batches):
                total.add(res)
    for step in (sweep_summons, sweep_orders):
        with UnitOfWork(engine) as uow:
            total.add(step(uow, now))
            uow.commit()
    return total


def start_worker(engine: Engine, interval_s: float) -> Callable[[], None]:
    """Run `sweep` every `interval_s` seconds in a daemon thread; returns the stop function."""
    stop = threading.Event()

    def loop() -> None:
        passes = 0
        while not stop.is_set():
            try:
                if passes % 15 == 0:  # every quarter of an hour at the default interval
                    with UnitOfWork(engine) as uow:
                        if n := reconcile(uow):
                            log.warning("supervision: started the lost clocks of %d events", n)
                        uow.commit()
                passes += 1
                res = sweep(engine)
                if res.yellow or res.red or res.no_report_in or res.orders_overdue:
                    log.info("supervision sweep: %s", res)
            except Exception:
                log.exception("supervision sweep failed; next pass in %ss", interval_s)
            stop.wait(interval_s)

    thread = threading.Thread(target=loop, name="supervision-sweeper", daemon=True)
    thread.start()

    def stop_fn() -> None:
        stop.set()
        thread.join(timeout=10)

    return stop_fn
