"""The assessment as a printable Excel workbook (考核排名表)."""

from __future__ import annotations

import io
from datetime import datetime

from gridbrain.core import clock
from gridbrain.supervision.assessment import NOTES
from gridbrain.supervision.assessment.service import Ranked

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


def to_excel(rows: list[Ranked], *, since: datetime, until: datetime, by: str, title: str) -> bytes:
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
        ws.append([r.value(c[0]) for c in COLUMNS])
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
    for line in NOTES.strip().splitlines():
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
