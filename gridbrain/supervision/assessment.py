"""Assessment (督查考核) per department or per area over any period, its ranking and Excel export.

Figures come from supervision's own tables (one clock per dispatch round, cards, summons) and
the events table (closing, satisfaction): four grouped queries over indexed time ranges.

Definitions (period = [since, until)):
- received: dispatch rounds started in the period (a re-dispatch to the same department counts again);
- accepted on time: response clocks met before their due time / response clocks met or red-carded;
- returned (退单率): rounds ended by a return / received;
- closed on time (按时办结率): disposal clocks met before their due time / disposal clocks met or red-carded;
- report-in rate (报到率): summons reported in by their deadline / summons in the period;
  no report-in (吹哨不到) and report-in without result (人到无效) are counted as of min(until, now);
- satisfaction: mean rating (1-5) of events closed in the period;
- reopen rate: rounds started by a reopening, counted against the department that had the event
  before / events closed in the period.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.areas.tables import areas, departments
from gridbrain.core import clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid
from gridbrain.events.tables import events
from gridbrain.supervision import model
from gridbrain.supervision.calendar import rules
from gridbrain.supervision.service import visible
from gridbrain.supervision.tables import cards, deadlines, summons

GROUPS = ("department", "street", "community")


def _key(table: sa.Table, by: str, dept_col: str = "department_code") -> Any:
    if by == "department":
        return sa.func.coalesce(table.c[dept_col], "")
    n = 9 if by == "street" else 12
    return sa.func.substr(sa.func.coalesce(table.c.grid_code, table.c.area_code), 1, n)


def _sum(cond: Any) -> Any:
    return sa.func.sum(sa.case((cond, 1), else_=0))


def tallies(
    uow: UnitOfWork, actor: Actor, *, since: datetime, until: datetime, by: str = "department"
) -> dict[str, model.Tally]:
    """Raw counts per key (department code, or street / community code)."""
    if by not in GROUPS:
        raise Invalid("by", f"one of {', '.join(GROUPS)}")
    if until <= since:
        raise Invalid("until", "after_since", "until must be after since")
    cutoff = min(until, clock.now())
    acc: dict[str, dict[str, Any]] = {}

    def put(key: str | None, **vals: Any) -> None:
        d = acc.setdefault(key or "", {})
        for k, v in vals.items():
            d[k] = d.get(k, 0) + (v or 0)

    d = deadlines.c
    resp, disp = d.kind == "response", d.kind == "disposal"
    decided = sa.or_(d.status == "met", d.red_card_at.is_not(None))
    on_time = sa.and_(d.status == "met", d.ended_at <= d.due_at)
    k = _key(deadlines, by).label("k")
    q = (
        sa.select(
            k,
            _sum(resp).label("received"),
            _sum(sa.and_(resp, decided)).label("response_due"),
            _sum(sa.and_(resp, on_time)).label("accepted_on_time"),
            _sum(sa.and_(resp, d.end_reason == "returned")).label("returned"),
            _sum(sa.and_(disp, decided)).label("disposal_due"),
            _sum(sa.and_(disp, on_time)).label("closed_on_time"),
        )
        .where(d.started_at >= since, d.started_at < until, visible(actor, deadlines))
        .group_by(k)
    )
    for r in uow.execute(q):
        put(
            r.k,
            **{
                c: getattr(r, c)
                for c in (
                    "received",
                    "response_due",
                    "accepted_on_time",
                    "returned",
                    "disposal_due",
                    "closed_on_time",
                )
            },
        )
    k = _key(deadlines, by, "previous_department_code").label("k")
    q = (
        sa.select(k, sa.func.count().label("n"))
        .where(
            d.started_at >= since,
            d.started_at < until,
            d.cause == "reopened",
            resp,
            visible(actor, deadlines),
        )
        .group_by(k)
    )
    for r in uow.execute(q):
        put(r.k, reopened=r.n)
    k = _key(cards, by).label("k")
    q = (
        sa.select(k, _sum(cards.c.colour == "yellow").label("y"), _sum(cards.c.colour == "red").label("r"))
        .where(cards.c.issued_at >= since, cards.c.issued_at < until, visible(actor, cards))
        .group_by(k)
    )
    for r in uow.execute(q):
        put(r.k, yellow_cards=r.y, red_cards=r.r)
    s = summons.c
    k = _key(summons, by).label("k")
    q = (
        sa.select(
            k,
            sa.func.count().label("summoned"),
            _sum(sa.and_(s.reported_in_at.is_not(None), s.reported_in_at <= s.report_in_due_at)).label("on_time"),
            _sum(s.reported_in_at > s.report_in_due_at).label("late"),
            _sum(
                sa.or_(
                    s.no_report_in_at.is_not(None),
                    sa.and_(s.reported_in_at.is_(None), s.report_in_due_at < cutoff),
                )
            ).label("missing"),
            _sum(
                sa.and_(
                    s.reported_in_at.is_not(None),
                    s.result_at.is_(None),
                    sa.or_(s.no_result_at.is_not(None), s.result_due_at < cutoff),
                )
            ).label("no_result"),
        )
        .where(s.summoned_at >= since, s.summoned_at < until, visible(actor, summons))
        .group_by(k)
    )
    for r in uow.execute(q):
        put(
            r.k,
            summoned=r.summoned,
            reported_in_on_time=r.on_time,
            reported_in_late=r.late,
            no_report_in=r.missing,
            no_result=r.no_result,
        )
    e = events.c
    k = _key(events, by).label("k")
    q = (
        sa.select(
            k,
            sa.func.count().label("closed"),
            sa.func.sum(e.satisfaction).label("sat"),
            sa.func.count(e.satisfaction).label("sat_n"),
        )
        .where(e.closed_at >= since, e.closed_at < until, visible(actor, events))
        .group_by(k)
    )
    for r in uow.execute(q):
        put(r.k, closed=r.closed, satisfaction_sum=float(r.sat or 0), satisfaction_n=r.sat_n)
    out = {}
    for key, vals in acc.items():
        if by != "department":
            key = key.ljust(12, "0") if len(key) < 12 else key
        out[key] = model.Tally(**vals)
    return out


def assess(
    uow: UnitOfWork, actor: Actor, *, since: datetime, until: datetime, by: str = "department"
) -> list[dict[str, Any]]:
    """One row per department or area: counts, indicators, score and rank (1 = best)."""
    tl = tallies(uow, actor, since=since, until=until, by=by)
    rl = rules()
    names = _names(uow, by, list(tl))
    rows = []
    for key, t in tl.items():
        rows.append(
            {
                "key": key,
                "name": names.get(key, key or "（未指派）"),
                **t.__dict__,
                **model.indicators(t),
                "score": model.score(t, rl.score_weights or None, rl.card_penalty or None),
            }
        )
    rows.sort(key=lambda r: (-r["score"], -r["received"], r["key"]))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows


def _names(uow: UnitOfWork, by: str, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    table = departments if by == "department" else areas
    q = sa.select(table.c.code, table.c.name).where(table.c.code.in_(keys))
    rows: list[Any] = list(uow.execute(q))
    return {str(row.code): str(row.name) for row in rows}


COLUMNS = [
    ("rank", "排名", None),
    ("name", "单位", None),
    ("key", "编码", None),
    ("score", "得分", "0.00"),
    ("received", "受理数", "0"),
    ("accepted_on_time_rate", "按时签收率", "0.0%"),
    ("returned", "退单数", "0"),
    ("return_rate", "退单率", "0.0%"),
    ("closed_on_time_rate", "按时办结率", "0.0%"),
    ("yellow_cards", "黄牌", "0"),
    ("red_cards", "红牌", "0"),
    ("summoned", "吹哨次数", "0"),
    ("report_in_rate", "按时报到率", "0.0%"),
    ("no_report_in", "吹哨不到", "0"),
    ("reported_in_late", "迟报到", "0"),
    ("no_result", "人到无效", "0"),
    ("satisfaction", "满意度", "0.00"),
    ("reopen_rate", "重启率", "0.0%"),
]


def to_excel(rows: list[dict[str, Any]], *, since: datetime, until: datetime, by: str, title: str) -> bytes:
    """A printable workbook: title, period, one header row, landscape A4 fitted to width."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "考核排名"
    group = {"department": "部门", "street": "街道", "community": "社区"}[by]
    ws.append([f"{title}（按{group}）"])
    ws.append(
        [
            f"统计期间：{clock.local(since):%Y-%m-%d %H:%M} 至 {clock.local(until):%Y-%m-%d %H:%M}（不含）"
            f"　　生成时间：{clock.local():%Y-%m-%d %H:%M}"
        ]
    )
    ws.append([c[1] for c in COLUMNS])
    ncol = len(COLUMNS)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    for r in rows:
        ws.append([r.get(c[0]) for c in COLUMNS])
        for i, (_, _, fmt) in enumerate(COLUMNS, start=1):
            cell = ws.cell(row=ws.max_row, column=i)
            cell.border = border
            if fmt:
                cell.number_format = fmt
    widths = [6, 28, 22, 8] + [10] * (ncol - 4)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "C4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    notes = wb.create_sheet("指标说明")
    for line in (__doc__ or "").strip().splitlines():
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
