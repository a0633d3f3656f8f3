"""Department templates filled from data already held (智减负).

A department's own XLSX template is registered with a mapping from cells (A1 references or
defined names) and row blocks to named queries (`reports.QUERIES`). Filling loads the template
with openpyxl and writes values only, so the department's formatting stays as it was; rows of a
block take the style of the block's first row.

A block has room down to the first row below its start that holds anything in its columns
(a 合计 row, a 填表人 line). A block longer than its room inserts rows there (`overflow:
insert`, the default): what stood below moves down and formulas follow, a total over the room
growing to cover every row; with `overflow: refuse` filling stops and names the rows it would
overwrite. The mapping format is documented, with a worked example, in the README.
"""

from __future__ import annotations

import io
import re
from copy import copy
from dataclasses import dataclass
from typing import Any

import openpyxl
import sqlalchemy as sa
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Invalid, NotFound
from gridbrain.registry.model import RegisterTemplate
from gridbrain.registry.reports import QUERIES, QueryResult, run_query
from gridbrain.registry.tables import report_templates
from gridbrain.registry.workbook import Insertion, insert_rows, occupied, room

_CELL = re.compile(r"^(?:(?P<sheet>[^!]+)!)?(?P<ref>[A-Z]{1,3}[1-9]\d*)$")
_CODE = re.compile(r"^[a-z0-9_\-]{1,48}$")
OVERFLOW = ("insert", "refuse")


def _load(workbook: bytes) -> openpyxl.Workbook:
    try:
        return openpyxl.load_workbook(io.BytesIO(workbook))
    except Exception as e:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid("workbook", "not a readable XLSX workbook") from e


def _target(wb: openpyxl.Workbook, where: str) -> tuple[Worksheet, str]:
    """(worksheet, cell reference) of an A1 reference (optionally Sheet!A1) or a defined name."""
    m = _CELL.match(where)
    if m:
        sheet = m["sheet"]
        if sheet is not None and sheet not in wb.sheetnames:
            raise Invalid("mapping", f"sheet {sheet} is not in the workbook")
        return (wb[sheet] if sheet else wb.worksheets[0]), m["ref"]
    defined = wb.defined_names.get(where)
    if defined is None:
        raise Invalid("mapping", f"{where} is neither a cell reference nor a defined name of the workbook")
    for title, ref in defined.destinations:
        return wb[title], ref.replace("$", "").split(":")[0]
    raise Invalid("mapping", f"defined name {where} points nowhere")


def validate_mapping(workbook: bytes, mapping: dict[str, Any]) -> None:
    """Refuse a mapping that names unknown queries, cells or sheets, or an unknown overflow."""
    if not isinstance(mapping, dict) or not (mapping.get("cells") or mapping.get("tables")):
        raise Invalid("mapping", "needs `cells` and/or `tables`")
    wb = _load(workbook)
    for where, spec in (mapping.get("cells") or {}).items():
        _target(wb, str(where))
        if not isinstance(spec, dict) or spec.get("query") not in QUERIES:
            raise Invalid("mapping", f"cell {where}: query must be one of {', '.join(QUERIES)}")
    for i, block in enumerate(mapping.get("tables") or []):
        if not isinstance(block, dict) or block.get("query") not in QUERIES:
            raise Invalid("mapping", f"table {i + 1}: query must be one of {', '.join(QUERIES)}")
        sheet = block.get("sheet")
        if sheet is not None and sheet not in wb.sheetnames:
            raise Invalid("mapping", f"table {i + 1}: sheet {sheet} is not in the workbook")
        if not _CELL.match(str(block.get("start", ""))):
            raise Invalid("mapping", f"table {i + 1}: start must be a cell reference such as A5")
        if block.get("overflow", "insert") not in OVERFLOW:
            raise Invalid("mapping", f"table {i + 1}: overflow must be insert or refuse")


def register_template(uow: UnitOfWork, actor: Actor, command: RegisterTemplate) -> dict[str, Any]:
    """Store a department's workbook and its mapping (a new code, or `replace` an existing one); audited."""
    code, name, department = command.code, command.name.strip(), command.department
    mapping = dict(command.mapping)
    if not _CODE.match(code):
        raise Invalid("code", "1-48 lower-case letters, digits, - or _")
    if not name:
        raise Invalid("name", "required")
    validate_mapping(command.workbook, mapping)
    exists = uow.execute(sa.select(report_templates.c.code).where(report_templates.c.code == code)).first()
    if exists and not command.replace:
        raise Conflict(f"template {code} already exists", field="code", rule="unique")
    values = {"name": name, "department": department, "workbook": command.workbook, "mapping": mapping,
              "created_at": clock.now(), "created_by": actor.username}  # fmt: skip
    if exists:
        uow.execute(report_templates.update().where(report_templates.c.code == code).values(**values))
    else:
        uow.execute(report_templates.insert().values(code=code, **values))
    audit.record(uow, "registry:template:registered", actor=actor, subject_id=code, detail={"name": name})
    return {"code": code, "name": name, "department": department, "mapping": mapping}


def list_templates(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Registered templates with their mappings, by code."""
    q = sa.select(
        report_templates.c.code, report_templates.c.name, report_templates.c.department, report_templates.c.mapping
    ).order_by(report_templates.c.code)
    return [dict(r._mapping) for r in uow.execute(q)]


def fill(uow: UnitOfWork, actor: Actor, code: str, area: str) -> bytes:
    """The template filled for `area`, as XLSX bytes, formatting kept; audited."""
    actor.scope.require(area)  # another area's report does not exist for this user, whatever the template
    row = uow.execute(sa.select(report_templates).where(report_templates.c.code == code)).first()
    if row is None:
        raise NotFound(f"template {code} not found")
    mapping = row.mapping
    wb = _load(row.workbook)
    blocks = [_Block.of(wb, i, b) for i, b in enumerate(mapping.get("tables") or [])]
    inserted: list[Insertion] = []
    # bottom-up per sheet: rows inserted for a lower block leave the blocks above where they were
    for block in sorted(blocks, key=lambda b: (b.ws.title, -b.first_row)):
        inserted += block.fill(wb, run_query(uow, actor, block.query, area, block.params))
    for where, spec in (mapping.get("cells") or {}).items():
        ws, ref = _target(wb, str(where))
        if _CELL.match(str(where)):  # a defined name has moved with the rows already
            ref = _moved(ws.title, ref, inserted)
        ws[ref].value = run_query(uow, actor, spec["query"], area, spec.get("params")).scalar()
    audit.record(uow, "registry:report:filled", actor=actor, subject_id=code, area_code=area)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _moved(sheet: str, ref: str, inserted: list[Insertion]) -> str:
    letter, row = coordinate_from_string(ref)
    for ins in inserted:
        if ins.sheet == sheet:
            row = ins.row(row)
    return f"{letter}{row}"


@dataclass(frozen=True)
class _Block:
    """One table of a mapping: where it starts, which query fills it, what to do when it overflows."""

    number: int
    ws: Worksheet
    first_row: int
    first_col: int
    query: str
    params: dict[str, Any] | None
    columns: tuple[str, ...] | None
    total_label: str | None
    overflow: str

    @classmethod
    def of(cls, wb: openpyxl.Workbook, i: int, spec: dict[str, Any]) -> _Block:
        ws = wb[spec["sheet"]] if spec.get("sheet") else wb.worksheets[0]
        letter, first_row = coordinate_from_string(spec["start"])
        columns = tuple(spec["columns"]) if spec.get("columns") else None
        return cls(i + 1, ws, first_row, column_index_from_string(letter), spec["query"], spec.get("params"),
                   columns, spec.get("total_label"), spec.get("overflow", "insert"))  # fmt: skip

    def fill(self, wb: openpyxl.Workbook, result: QueryResult) -> list[Insertion]:
        """Write the rows (and the optional total); answers the rows it inserted to make room."""
        columns = self.columns or result.columns
        unknown = [c for c in columns if c not in result.columns]
        if unknown:
            raise Invalid("mapping", f"query {self.query} has no column {unknown[0]}")
        picks = [result.columns.index(c) for c in columns]
        needed = len(result.rows) + (1 if self.total_label and result.rows else 0)
        inserted = self._make_room(wb, needed, len(picks))
        for i, values in enumerate(result.rows):
            for j, pick in enumerate(picks):
                self._cell(i, j).value = values[pick]
        if self.total_label and result.rows:
            total = self.first_row + len(result.rows)
            self.ws.cell(row=total, column=self.first_col).value = self.total_label
            last = get_column_letter(self.first_col + len(picks) - 1)
            self.ws.cell(
                row=total, column=self.first_col + len(picks) - 1
            ).value = f"=SUM({last}{self.first_row}:{last}{total - 1})"
        return inserted

    def _cell(self, i: int, j: int) -> Any:
        cell = self.ws.cell(row=self.first_row + i, column=self.first_col + j)
        if i > 0:
            anchor = self.ws.cell(row=self.first_row, column=self.first_col + j)
            if anchor.has_style:
                cell._style = copy(anchor._style)
        return cell

    def _make_room(self, wb: openpyxl.Workbook, needed: int, width: int) -> list[Insertion]:
        free = room(self.ws, self.first_row, self.first_col, width)
        if free is None or needed <= free:
            return []
        at = self.first_row + free
        if self.overflow == "refuse":
            below = occupied(self.ws, range(at, self.first_row + needed))
            rows = "、".join(f"第{r}行（{text}）" for r, text in below)
            raise Invalid(
                "mapping",
                "overflow",
                f"table {self.number} ({self.query}) needs {needed} rows from row {self.first_row} but has room "
                f"for {free}: it would overwrite {rows}; set overflow: insert or make room in the template",
            )
        insertion = Insertion(self.ws.title, at, needed - free, grow_from=self.first_row - 1)
        insert_rows(wb, self.ws, insertion)
        return [insertion]
