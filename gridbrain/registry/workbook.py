"""Workbook mechanics of report filling (智减负): how much room a block has in a department's
template, and inserting rows the way a spreadsheet does, so what stood below (the 合计 row with
its `=SUM(...)`, the 填表人 line) moves down and its formulas follow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.formula.tokenizer import Tokenizer
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

# one end of a reference: optional $, column letters, optional $, row digits (either part optional)
_END = re.compile(r"^(\$?[A-Z]{1,3})?(\$?)(\d+)?$")


@dataclass(frozen=True)
class Insertion:
    """`amount` rows inserted before row `at` of a sheet; a range ending at `grow_end` (the last
    row of a block's room) whose start is at or below `grow_from` grows with it."""

    sheet: str
    at: int
    amount: int
    grow_from: int

    def row(self, row: int) -> int:
        return row + self.amount if row >= self.at else row


def room(ws: Worksheet, first_row: int, first_col: int, width: int) -> int | None:
    """Free rows of a block from `first_row`: up to the first row holding anything in the block's
    columns; None when nothing stands below (the block may grow freely)."""
    last = ws.max_row
    for row in range(first_row, last + 1):
        if any(ws.cell(row=row, column=first_col + j).value is not None for j in range(width)):
            return row - first_row
    return None


def occupied(ws: Worksheet, rows: range) -> list[tuple[int, str]]:
    """(row, first text) of the rows in `rows` that hold anything."""
    out = []
    for row in rows:
        values = [c.value for c in ws[row] if c.value is not None] if row <= ws.max_row else []
        if values:
            out.append((row, str(values[0])[:20]))
    return out


def insert_rows(wb: openpyxl.Workbook, ws: Worksheet, insertion: Insertion) -> None:
    """Insert rows like a spreadsheet: cells, merged ranges, row heights, formulas on every sheet
    and defined names pointing below move down; a total over the block's room grows."""
    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None and r >= insertion.at}
    merged = [CellRange(m.coord) for m in ws.merged_cells.ranges]
    for m in merged:
        ws.unmerge_cells(m.coord)
    ws.insert_rows(insertion.at, insertion.amount)
    for m in merged:
        if m.min_row >= insertion.at:
            m.shift(row_shift=insertion.amount)
        ws.merge_cells(m.coord)
    for r in sorted(heights, reverse=True):
        ws.row_dimensions[r + insertion.amount].height = heights[r]
        ws.row_dimensions[r].height = None
    for sheet in wb.worksheets:
        for cell in _formulas(sheet):
            cell.value = shift_formula(cell.value, sheet.title == ws.title, insertion)
    for name in list(wb.defined_names.values()):
        name.attr_text = shift_formula("=" + name.attr_text, False, insertion)[1:]


def _formulas(ws: Worksheet) -> Iterator[Any]:
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                yield cell


def shift_formula(formula: str, same_sheet: bool, insertion: Insertion) -> str:
    """The formula with its references to the insertion's sheet moved as the rows moved."""
    tokens = Tokenizer(formula)
    changed = False
    for token in tokens.items:
        if token.type == "OPERAND" and token.subtype == "RANGE":
            moved = _shift_reference(token.value, same_sheet, insertion)
            changed = changed or moved != token.value
            token.value = moved
    return tokens.render() if changed else formula


def _shift_reference(ref: str, same_sheet: bool, insertion: Insertion) -> str:
    sheet, _, cells = ref.rpartition("!")
    if sheet:
        if sheet.strip("'") != insertion.sheet:
            return ref
    elif not same_sheet:
        return ref
    ends = cells.split(":")
    parsed = [_END.match(e) for e in ends]
    if any(m is None for m in parsed):
        return ref  # a name or something else that is not a cell reference
    rows = [int(m[3]) if m is not None and m[3] else None for m in parsed]
    new = [insertion.row(r) if r is not None else None for r in rows]
    # a range over the block's room ends just above the inserted rows: it takes them in
    if len(rows) == 2 and rows[0] is not None and rows[1] == insertion.at - 1 and rows[0] >= insertion.grow_from:
        new[1] = rows[1] + insertion.amount
    out = []
    for m, r in zip(parsed, new, strict=True):
        assert m is not None
        out.append(f"{m[1] or ''}{m[2]}{'' if r is None else r}")
    return (f"{sheet}!" if sheet else "") + ":".join(out)
