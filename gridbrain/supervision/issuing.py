"""Issuing cards set-based: the card rules in SQL, so no clock row travels to Python.

The rules mirror `model.cards_due` and `model.next_check` (the tested statement of the rules):
a running, unpaused clock gets yellow once past yellow_at and red once past due_at (both in one
pass when the sweeper comes late); then it is looked at again at due_at, or never.

On PostgreSQL one statement does a batch: it claims the due clocks (`FOR UPDATE SKIP LOCKED`),
moves them on, inserts their cards (`ON CONFLICT DO NOTHING`) and the cards' audit entries, and
answers the cards really inserted: one round trip and one pass over the rows, however many cards.
SQLite (one writer at a time) runs the same rules as four statements (`issue_stepwise`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gridbrain.core.db import UnitOfWork
from gridbrain.core.tables import audit_log
from gridbrain.supervision.access import SWEEPER
from gridbrain.supervision.model import Colour
from gridbrain.supervision.tables import cards, deadlines

CARD_TAG = "supervision:card:issued"
_CARD_COLS = [
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
]
_AUDIT_COLS = ["at", "tag", "subject_id", "actor", "actor_role", "area_code", "detail"]
_CARD_KEY = ["event_id", "kind", "round", "colour"]


class Issued(NamedTuple):
    """A card really inserted by this batch (a named tuple: a worst minute makes 100,000)."""

    id: int
    event_id: str
    colour: str  # a Colour's value
    kind: str
    round: int
    level: str | None
    area_code: str
    department_code: str | None


def ids_in(uow: UnitOfWork, column: Any, ids: list[int]) -> Any:
    """`column IN ids`: one array parameter on PostgreSQL (cheap to send), a list on SQLite."""
    if uow.postgres:
        return column == sa.any_(sa.bindparam(None, ids, type_=postgresql.ARRAY(sa.BigInteger)))
    return column.in_(ids)


@dataclass(frozen=True)
class _Rules:
    yellow_due: Any
    red_due: Any
    next_check: Any


def _rules(d: Any, now: datetime) -> _Rules:
    running = sa.and_(d.status == "running", d.paused_at.is_(None))
    return _Rules(
        yellow_due=sa.and_(running, d.yellow_card_at.is_(None), d.yellow_at <= now),
        red_due=sa.and_(running, d.red_card_at.is_(None), d.due_at <= now),
        next_check=sa.case(
            (sa.or_(~running, d.red_card_at.is_not(None), d.due_at <= now), sa.null()),
            (d.yellow_at <= now, d.due_at),
            else_=d.yellow_at,
        ),
    )


def _card_source(src: Any, colour: Colour, now: datetime, where: Any, id_col: Any) -> Any:
    return sa.select(
        src.event_id,
        id_col,
        src.kind,
        src.round,
        sa.literal(colour.value, sa.String),
        sa.literal(now, cards.c.issued_at.type),
        src.due_at,
        src.department_code,
        src.level,
        src.area_code,
        src.grid_code,
        src.supervisor_area_code,
    ).where(where)


def _audit_source(c: Any, now: datetime, postgres: bool) -> Any:
    build = sa.func.jsonb_build_object if postgres else sa.func.json_object
    detail = build("colour", c.colour, "deadline", c.kind, "round", c.round, "department_code", c.department_code)
    return sa.select(
        sa.literal(now, audit_log.c.at.type),
        sa.literal(CARD_TAG, sa.String),
        c.event_id,
        sa.literal(SWEEPER.username, sa.String),
        sa.literal(str(SWEEPER.role), sa.String),
        c.area_code,
        sa.type_coerce(detail, audit_log.c.detail.type),
    )


_RETURNED = (
    cards.c.id,
    cards.c.event_id,
    cards.c.colour,
    cards.c.kind,
    cards.c.round,
    cards.c.level,
    cards.c.area_code,
    cards.c.department_code,
)


def _issued(rows: Any) -> list[Issued]:
    """Cards from rows of `_RETURNED`."""
    make = Issued._make
    return [make(r) for r in rows]


def issue_postgres(uow: UnitOfWork, now: datetime, ids: list[int]) -> tuple[int, list[Issued]]:
    """One statement: claim, move on, insert the cards and their audit entries. Answers the
    number of clocks claimed and the cards inserted (yellow before red)."""
    d = deadlines.c
    r = _rules(d, now)
    claimed = (
        sa.select(*deadlines.c, r.yellow_due.label("y"), r.red_due.label("r"), r.next_check.label("nxt"))
        .where(ids_in(uow, d.id, ids), d.next_check_at <= now)
        .with_for_update(skip_locked=True)
        .cte("claimed")
    )
    c = claimed.c
    moved = (
        deadlines.update()
        .where(d.id == c.id)
        .values(
            yellow_card_at=sa.case((c.y, now), else_=d.yellow_card_at),
            red_card_at=sa.case((c.r, now), else_=d.red_card_at),
            next_check_at=c.nxt,
        )
        .cte("moved")
    )
    source = sa.union_all(_card_source(c, Colour.YELLOW, now, c.y, c.id), _card_source(c, Colour.RED, now, c.r, c.id))
    inserted = (
        postgresql.insert(cards)
        .from_select(_CARD_COLS, source)
        .on_conflict_do_nothing(index_elements=_CARD_KEY)
        .returning(*_RETURNED)
        .cte("inserted")
    )
    audited = audit_log.insert().from_select(_AUDIT_COLS, _audit_source(inserted.c, now, True)).cte("audited")
    checked = sa.select(sa.func.count().label("checked")).select_from(claimed).subquery("checked")
    final = (
        sa.select(checked.c.checked, *inserted.c)
        .select_from(checked.outerjoin(inserted, sa.true()))
        .order_by(inserted.c.id)
        .add_cte(moved, audited)
    )
    rows: list[Any] = list(uow.execute(final))
    n = int(rows[0][0]) if rows else 0
    return n, _issued(row[1:] for row in rows if row[1] is not None)


def issue_stepwise(uow: UnitOfWork, now: datetime, ids: list[int]) -> tuple[int, list[Issued]]:
    """The same rules as `issue_postgres` in four statements: claim, cards of each colour, move on,
    audit. SQLite's path (it serialises its writers); on PostgreSQL the benchmark's baseline."""
    d = deadlines.c
    claim = sa.select(d.id).where(ids_in(uow, d.id, ids), d.next_check_at <= now)
    if uow.postgres:
        claim = claim.with_for_update(skip_locked=True)
    claimed = list(uow.execute(claim).scalars())
    if not claimed:
        return 0, []
    r = _rules(d, now)
    mine = ids_in(uow, d.id, claimed)
    rows: list[Any] = []
    for colour, due in ((Colour.YELLOW, r.yellow_due), (Colour.RED, r.red_due)):
        stmt = (
            (postgresql if uow.postgres else sqlite)
            .insert(cards)
            .from_select(_CARD_COLS, _card_source(d, colour, now, sa.and_(mine, due), d.id))
            .on_conflict_do_nothing(index_elements=_CARD_KEY)
            .returning(*_RETURNED)
        )
        rows += list(uow.execute(stmt))
    uow.execute(
        deadlines.update()
        .where(mine)
        .values(
            yellow_card_at=sa.case((r.yellow_due, now), else_=d.yellow_card_at),
            red_card_at=sa.case((r.red_due, now), else_=d.red_card_at),
            next_check_at=r.next_check,
        )
    )
    if rows:
        source = _audit_source(cards.c, now, uow.postgres).where(ids_in(uow, cards.c.id, [x.id for x in rows]))
        uow.execute(audit_log.insert().from_select(_AUDIT_COLS, source))
    return len(claimed), _issued(rows)
