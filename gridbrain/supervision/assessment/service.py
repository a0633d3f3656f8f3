"""Assessment (督查考核): the counts per department or area over a period, scored and ranked.

Four grouped queries over supervision's own tables (clock rounds, cards, summons) and one over
the event hub's closings (through `event_reads`); definitions in `assessment.NOTES`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.areas.tables import areas, departments
from gridbrain.core import clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid
from gridbrain.supervision import event_reads
from gridbrain.supervision.assessment import model
from gridbrain.supervision.calendar import rules
from gridbrain.supervision.scoping import GROUPS, area_key, group_key, visible
from gridbrain.supervision.tables import cards, deadlines, summons

Counts = dict[str, dict[str, float]]  # key → Tally field → count


@dataclass(frozen=True)
class Ranked:
    """One department or area in the ranking (1 = best)."""

    rank: int
    key: str
    name: str
    score: float
    tally: model.Tally
    rates: dict[str, float | None]

    def value(self, column: str) -> str | int | float | None:
        """A column of the ranking table by name: rank, key, name, score, a count or a rate."""
        if column in ("rank", "key", "name", "score"):
            v: str | int | float | None = getattr(self, column)
            return v
        if column in self.rates:
            return self.rates[column]
        return getattr(self.tally, column)  # type: ignore[no-any-return]


def _sum(cond: Any) -> Any:
    return sa.func.sum(sa.case((cond, 1), else_=0))


def _put(acc: Counts, key: str | None, **vals: float | None) -> None:
    d = acc.setdefault(key or "", {})
    for k, v in vals.items():
        d[k] = d.get(k, 0) + (v or 0)


def _rounds(uow: UnitOfWork, actor: Actor, acc: Counts, by: str, since: datetime, until: datetime) -> None:
    d = deadlines.c
    resp, disp = d.kind == "response", d.kind == "disposal"
    decided = sa.or_(d.status == "met", d.red_card_at.is_not(None))
    on_time = sa.and_(d.status == "met", d.ended_at <= d.due_at)
    k = group_key(deadlines, by).label("k")
    cols = {
        "received": _sum(resp),
        "response_due": _sum(sa.and_(resp, decided)),
        "accepted_on_time": _sum(sa.and_(resp, on_time)),
        "returned": _sum(sa.and_(resp, d.end_reason == "returned")),
        "disposal_due": _sum(sa.and_(disp, decided)),
        "closed_on_time": _sum(sa.and_(disp, on_time)),
    }
    q = sa.select(k, *(v.label(n) for n, v in cols.items()))
    q = q.where(d.started_at >= since, d.started_at < until, visible(actor, deadlines)).group_by(k)
    for r in uow.execute(q):
        _put(acc, r.k, **{n: getattr(r, n) for n in cols})
    k = group_key(deadlines, by, "previous_department_code").label("k")
    q = (
        sa.select(k, sa.func.count().label("n"))
        .where(d.started_at >= since, d.started_at < until, d.cause == "reopened", resp, visible(actor, deadlines))
        .group_by(k)
    )
    for r in uow.execute(q):
        _put(acc, r.k, reopened=r.n)


def _cards(uow: UnitOfWork, actor: Actor, acc: Counts, by: str, since: datetime, until: datetime) -> None:
    k = group_key(cards, by).label("k")
    q = (
        sa.select(k, _sum(cards.c.colour == "yellow").label("y"), _sum(cards.c.colour == "red").label("r"))
        .where(cards.c.issued_at >= since, cards.c.issued_at < until, visible(actor, cards))
        .group_by(k)
    )
    for r in uow.execute(q):
        _put(acc, r.k, yellow_cards=r.y, red_cards=r.r)


def _summons(uow: UnitOfWork, actor: Actor, acc: Counts, by: str, since: datetime, until: datetime) -> None:
    s = summons.c
    cutoff = min(until, clock.now())
    missing = sa.or_(s.no_report_in_at.is_not(None), sa.and_(s.reported_in_at.is_(None), s.report_in_due_at < cutoff))
    no_result = sa.and_(
        s.reported_in_at.is_not(None),
        s.result_at.is_(None),
        sa.or_(s.no_result_at.is_not(None), s.result_due_at < cutoff),
    )
    k = group_key(summons, by).label("k")
    q = (
        sa.select(
            k,
            sa.func.count().label("summoned"),
            _sum(sa.and_(s.reported_in_at.is_not(None), s.reported_in_at <= s.report_in_due_at)).label("on_time"),
            _sum(s.reported_in_at > s.report_in_due_at).label("late"),
            _sum(missing).label("missing"),
            _sum(no_result).label("no_result"),
        )
        .where(s.summoned_at >= since, s.summoned_at < until, visible(actor, summons))
        .group_by(k)
    )
    for r in uow.execute(q):
        _put(
            acc,
            r.k,
            summoned=r.summoned,
            reported_in_on_time=r.on_time,
            reported_in_late=r.late,
            no_report_in=r.missing,
            no_result=r.no_result,
        )


_INTS = {f.name for f in fields(model.Tally) if f.type in ("int", int)}


def tallies(
    uow: UnitOfWork, actor: Actor, *, since: datetime, until: datetime, by: str = "department"
) -> dict[str, model.Tally]:
    """Raw counts per key (department code, or street / community code)."""
    if by not in GROUPS:
        raise Invalid("by", f"one of {', '.join(GROUPS)}")
    if until <= since:
        raise Invalid("until", "after_since", "until must be after since")
    acc: Counts = {}
    _rounds(uow, actor, acc, by, since, until)
    _cards(uow, actor, acc, by, since, until)
    _summons(uow, actor, acc, by, since, until)
    for c in event_reads.closings(uow, actor, by=by, since=since, until=until):
        _put(acc, c.key, closed=c.closed, satisfaction_sum=c.satisfaction_sum, satisfaction_n=c.satisfaction_n)
    out = {}
    for key, vals in acc.items():
        typed = {k: (int(v) if k in _INTS else float(v)) for k, v in vals.items()}
        out[key if by == "department" else area_key(key)] = model.Tally(**typed)  # type: ignore[arg-type]
    return out


def assess(uow: UnitOfWork, actor: Actor, *, since: datetime, until: datetime, by: str = "department") -> list[Ranked]:
    """One row per department or area: counts, indicators, score and rank (1 = best)."""
    tl = tallies(uow, actor, since=since, until=until, by=by)
    rl = rules()
    names = _names(uow, by, tl)
    scored = [(model.score(t, rl.score_weights or None, rl.card_penalty or None), key, t) for key, t in tl.items()]
    scored.sort(key=lambda x: (-x[0], -x[2].received, x[1]))
    return [
        Ranked(i, key, names.get(key, key or "（未指派）"), s, t, model.indicators(t))
        for i, (s, key, t) in enumerate(scored, start=1)
    ]


def _names(uow: UnitOfWork, by: str, keys: Iterable[str]) -> dict[str, str]:
    wanted = list(keys)
    if not wanted:
        return {}
    table = departments if by == "department" else areas
    rows = uow.execute(sa.select(table.c.code, table.c.name).where(table.c.code.in_(wanted)))
    return {str(row.code): str(row.name) for row in rows}
