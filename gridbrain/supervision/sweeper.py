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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import DomainError
from gridbrain.core.levels import Level
from gridbrain.core.tables import audit_log
from gridbrain.supervision import model, signals
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


def _ids(uow: UnitOfWork, column: Any, ids: list[int]) -> Any:
    """`column IN ids`: one array parameter on PostgreSQL (cheap to send), a list on SQLite."""
    if uow.postgres:
        return column == sa.any_(sa.bindparam(None, ids, type_=postgresql.ARRAY(sa.BigInteger)))
    return column.in_(ids)


_CARD_COLS = (
    "event_id",
    "deadline_id",
    "kind",
    "round",
    "colour",
    "issued_at",
    "due_at",
    "department_code",
    "level",
    "area_code",
    "grid_code",
    "supervisor_area_code",
)


def _insert_cards(uow: UnitOfWork, colour: Colour, ids: list[int], now: datetime, due: Any = None) -> list[Any]:
    """Cards of one colour for those of the clocks `ids` where `due` holds, straight from their
    rows; only cards really inserted come back."""
    if not ids:
        return []
    d = deadlines.c
    source = sa.select(
        d.event_id,
        d.id,
        d.kind,
        d.round,
        sa.literal(colour.value, sa.String),
        sa.literal(now, cards.c.issued_at.type),
        d.due_at,
        d.department_code,
        d.level,
        d.area_code,
        d.grid_code,
        d.supervisor_area_code,
    ).where(_ids(uow, d.id, ids), due if due is not None else sa.true())
    dialect = postgresql if uow.postgres else sqlite
    stmt = (
        dialect.insert(cards)
        .from_select(list(_CARD_COLS), source)
        .on_conflict_do_nothing(index_elements=["event_id", "kind", "round", "colour"])
        .returning(
            cards.c.id,
            cards.c.event_id,
            cards.c.colour,
            cards.c.kind,
            cards.c.round,
            cards.c.level,
            cards.c.area_code,
            cards.c.department_code,
        )
    )
    return list(uow.execute(stmt))


def _audit_cards(uow: UnitOfWork, card_ids: list[int], now: datetime) -> None:
    """One audit entry per new card (subject = the event, so it shows in the timeline), set-based."""
    if not card_ids:
        return
    c = cards.c
    build = sa.func.jsonb_build_object if uow.postgres else sa.func.json_object
    detail = build("colour", c.colour, "deadline", c.kind, "round", c.round, "department_code", c.department_code)
    source = sa.select(
        sa.literal(now, audit_log.c.at.type),
        sa.literal("supervision:card:issued", sa.String),
        c.event_id,
        sa.literal(SWEEPER.username, sa.String),
        sa.literal(str(SWEEPER.role), sa.String),
        c.area_code,
        sa.type_coerce(detail, audit_log.c.detail.type),
    ).where(_ids(uow, c.id, card_ids))
    uow.execute(
        audit_log.insert().from_select(
            ["at", "tag", "subject_id", "actor", "actor_role", "area_code", "detail"], source
        )
    )


def due_clock_ids(engine: Engine, now: datetime) -> list[int]:
    """Ids of the clocks due at `now`, oldest first: one index range scan per pass."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(deadlines.c.id)
                .where(deadlines.c.next_check_at <= now.astimezone(UTC))
                .order_by(deadlines.c.next_check_at)
            ).scalars()
        )


def sweep_clocks_batch(
    uow: UnitOfWork, now: datetime, ids: list[int], escalate: bool | None = None
) -> SweepResult | None:
    """Claim the clocks `ids` that are still due and not held by another sweeper; issue their cards.

    Claiming by primary key (not by re-scanning the next_check_at index for every batch) keeps a
    pass linear: the index fills with dead entries of rows this very pass has just moved on.
    The card rules run in SQL, set-based, so no clock row travels to Python; they mirror
    `model.cards_due` and `model.next_check` (the tested statement of the rules):
    a running, unpaused clock gets yellow once past yellow_at and red once past due_at (both
    in one pass when the sweeper comes late); then it is looked at again at due_at, or never."""
    res = SweepResult()
    now = now.astimezone(UTC)
    d = deadlines.c
    claimed = list(
        uow.execute(_claim(uow, sa.select(d.id).where(_ids(uow, d.id, ids), d.next_check_at <= now))).scalars()
    )
    if not claimed:
        return None
    res.clocks_checked = len(claimed)
    running = sa.and_(d.status == "running", d.paused_at.is_(None))
    yellow_due = sa.and_(running, d.yellow_card_at.is_(None), d.yellow_at <= now)
    red_due = sa.and_(running, d.red_card_at.is_(None), d.due_at <= now)
    inserted = _insert_cards(uow, Colour.YELLOW, claimed, now, yellow_due)
    inserted += _insert_cards(uow, Colour.RED, claimed, now, red_due)
    uow.execute(
        deadlines.update()
        .where(_ids(uow, d.id, claimed))
        .values(
            yellow_card_at=sa.case((yellow_due, now), else_=d.yellow_card_at),
            red_card_at=sa.case((red_due, now), else_=d.red_card_at),
            next_check_at=sa.case(
                (sa.or_(~running, d.red_card_at.is_not(None), d.due_at <= now), sa.null()),
                (d.yellow_at <= now, d.due_at),
                else_=d.yellow_at,
            ),
        )
    )
    _audit_cards(uow, [c.id for c in inserted], now)
    for c in inserted:
        if c.colour == Colour.YELLOW:
            res.yellow += 1
        else:
            res.red += 1
        kind = signals.YellowCardIssued if c.colour == Colour.YELLOW else signals.RedCardIssued
        uow.emit(kind(c.id, c.event_id, c.kind, c.round, c.department_code, c.area_code, now))
    if rules().escalate_on_red if escalate is None else escalate:
        for c in sorted(inserted, key=lambda c: c.id):
            if c.colour == Colour.RED:
                _escalate(uow, c, res, now)
    return res


def _escalate(uow: UnitOfWork, card: Any, res: SweepResult, now: datetime) -> None:
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


def sweep(
    engine: Engine, now: datetime | None = None, *, batch: int = BATCH, escalate: bool | None = None
) -> SweepResult:
    """One pass: every due clock, summons and order, in committed batches. `escalate` overrides
    the rules' escalate_on_red (benchmarks measure the card path alone)."""
    now = (now or clock.now()).astimezone(UTC)
    total = SweepResult()
    # a pass works on the clocks due when it began: a round started by its own escalations
    # waits for the next pass
    due = due_clock_ids(engine, now)
    for i in range(0, len(due), batch):
        with UnitOfWork(engine) as uow:
            res = sweep_clocks_batch(uow, now, due[i : i + batch], escalate)
            if res is None:
                continue
            uow.commit()
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
