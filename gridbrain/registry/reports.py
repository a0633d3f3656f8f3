"""Reports filled from data already held (智减负).

A department's own XLSX template is registered with a mapping from cells (A1 references or
defined names) and row blocks to named queries over the library. Filling loads the template
with openpyxl and writes values only, so the department's formatting stays as it was; rows of
a block take the style of the block's first row. The same queries export as CSV or JSON.

Mapping (JSON or YAML):

    cells:
      B2: {query: area_name}
      总数: {query: people_count, params: {tag: 独居老人}}      # a defined name
    tables:
      - {sheet: 明细, start: A5, query: people_by_community, params: {tag: 独居老人},
         columns: [community_name, count]}
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from datetime import date
from typing import Any

import openpyxl
import sqlalchemy as sa
from openpyxl.utils.cell import column_index_from_string as col_index
from openpyxl.utils.cell import coordinate_from_string, get_column_letter

from gridbrain.areas.tables import areas
from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Invalid, NotFound
from gridbrain.registry.model import RegisterTemplate
from gridbrain.registry.reads import has_tag, in_scope, within
from gridbrain.registry.tables import enterprises, houses, people, report_templates


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


Query = Callable[[UnitOfWork, Actor, str, dict[str, Any]], QueryResult]


def _area_filter(table: sa.Table, actor: Actor, area: str) -> list[Any]:
    return [in_scope(actor, table), within(table, area)]


def _people_where(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> list[Any]:
    cond = _area_filter(people, actor, area)
    if params.get("tag"):
        cond.append(has_tag(uow, people, str(params["tag"])))
    return cond


def q_area_name(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    name = uow.execute(sa.select(areas.c.name).where(areas.c.code == area)).scalar()
    return QueryResult(("name",), [(name or area,)])


def q_today(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    return QueryResult(("date",), [(clock.local().date(),)])


def q_people_count(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    n = uow.execute(sa.select(sa.func.count()).select_from(people).where(*_people_where(uow, actor, area, params)))
    return QueryResult(("count",), [(n.scalar_one(),)])


def _by_level(table: sa.Table, digits: int) -> tuple[Any, Any]:
    code = sa.func.substr(table.c.grid_code, 1, digits)
    return code, sa.select(areas.c.name).where(areas.c.code == code).scalar_subquery()


def q_people_by_community(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    code, _ = _by_level(people, 12)
    q = (
        sa.select(code.label("community_code"), sa.func.count().label("count"))
        .where(people.c.grid_code.is_not(None), *_people_where(uow, actor, area, params))
        .group_by(code)
        .order_by(code)
    )
    rows = [(r.community_code, _name(uow, r.community_code), r.count) for r in uow.execute(q)]
    return QueryResult(("community_code", "community_name", "count"), rows)


def _houses_where(actor: Actor, area: str, params: dict[str, Any]) -> list[Any]:
    cond = _area_filter(houses, actor, area)
    if params.get("occupancy"):
        cond.append(houses.c.occupancy == params["occupancy"])
    if params.get("use"):
        cond.append(houses.c.use == params["use"])
    return cond


def q_houses_count(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    n = uow.execute(sa.select(sa.func.count()).select_from(houses).where(*_houses_where(actor, area, params)))
    return QueryResult(("count",), [(n.scalar_one(),)])


def q_houses_list(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    cols = (
        houses.c.address_code,
        houses.c.address,
        houses.c.grid_code,
        houses.c.use,
        houses.c.occupancy,
        houses.c.residents,
    )
    q = sa.select(*cols).where(*_houses_where(actor, area, params)).order_by(houses.c.address_code)
    return QueryResult(tuple(c.name for c in cols), [tuple(r) for r in uow.execute(q)])


def q_enterprises_by_industry(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    code, _ = _by_level(enterprises, 9)
    street = sa.func.substr(code, 1, 9)
    industry = sa.func.coalesce(enterprises.c.industry, "未分类")
    cond = [*_area_filter(enterprises, actor, area), enterprises.c.grid_code.is_not(None)]
    if params.get("status"):
        cond.append(enterprises.c.status == params["status"])
    q = (
        sa.select(street.label("street"), industry.label("industry"), sa.func.count().label("count"))
        .where(*cond)
        .group_by(street, industry)
        .order_by(street, industry)
    )
    rows = [(r.street + "000", _name(uow, r.street + "000"), r.industry, r.count) for r in uow.execute(q)]
    return QueryResult(("street_code", "street_name", "industry", "count"), rows)


def q_enterprises_count(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    cond = _area_filter(enterprises, actor, area)
    for name in ("industry", "status"):
        if params.get(name):
            cond.append(enterprises.c[name] == params[name])
    n = uow.execute(sa.select(sa.func.count()).select_from(enterprises).where(*cond)).scalar_one()
    return QueryResult(("count",), [(n,)])


def _name(uow: UnitOfWork, code: str) -> str:
    return uow.execute(sa.select(areas.c.name).where(areas.c.code == code)).scalar() or code


QUERIES: dict[str, Query] = {
    "area_name": q_area_name,
    "today": q_today,
    "people_count": q_people_count,  # params: tag
    "people_by_community": q_people_by_community,  # params: tag
    "houses_count": q_houses_count,  # params: occupancy, use
    "houses_list": q_houses_list,  # params: occupancy, use
    "enterprises_count": q_enterprises_count,  # params: industry, status
    "enterprises_by_industry": q_enterprises_by_industry,  # params: status
}


def run_query(
    uow: UnitOfWork, actor: Actor, query: str, area: str, params: dict[str, Any] | None = None
) -> QueryResult:
    """One named query over the library, inside the actor's scope and `area`."""
    if query not in QUERIES:
        raise NotFound(f"query {query} not found; one of {', '.join(QUERIES)}")
    actor.scope.require(area)
    return QUERIES[query](uow, actor, area, dict(params or {}))


def export(result: QueryResult, fmt: str) -> tuple[str, str]:
    """(body, media type) of a query result as CSV or JSON, for a department's system."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(result.columns)
        writer.writerows([[v.isoformat() if isinstance(v, date) else v for v in r] for r in result.rows])
        return buf.getvalue(), "text/csv; charset=utf-8"
    if fmt == "json":
        return json.dumps(result.as_dicts(), ensure_ascii=False, default=str), "application/json"
    raise Invalid("format", "csv or json")


# --- templates ---------------------------------------------------------------------------------

_CELL = re.compile(r"^(?:(?P<sheet>[^!]+)!)?(?P<ref>[A-Z]{1,3}[1-9]\d*)$")
_CODE = re.compile(r"^[a-z0-9_\-]{1,48}$")


def _load(workbook: bytes) -> openpyxl.Workbook:
    try:
        return openpyxl.load_workbook(io.BytesIO(workbook))
    except Exception as e:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid("workbook", "not a readable XLSX workbook") from e


def _target(wb: openpyxl.Workbook, where: str) -> tuple[Any, str]:
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
    """Refuse a mapping that names unknown queries, cells or sheets."""
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


def register_template(uow: UnitOfWork, actor: Actor, command: RegisterTemplate) -> dict[str, Any]:
    """Store a department's workbook and its mapping (a new code, or `replace` an existing one); audited."""
    code, name, workbook, department = command.code, command.name, command.workbook, command.department
    mapping = dict(command.mapping)
    if not _CODE.match(code):
        raise Invalid("code", "1-48 lower-case letters, digits, - or _")
    if not name.strip():
        raise Invalid("name", "required")
    validate_mapping(workbook, mapping)
    exists = uow.execute(sa.select(report_templates.c.code).where(report_templates.c.code == code)).first()
    values = {
        "name": name.strip(),
        "department": department,
        "workbook": workbook,
        "mapping": mapping,
        "created_at": clock.now(),
        "created_by": actor.username,
    }
    if exists and not command.replace:
        raise Conflict(f"template {code} already exists", field="code", rule="unique")
    if exists:
        uow.execute(report_templates.update().where(report_templates.c.code == code).values(**values))
    else:
        uow.execute(report_templates.insert().values(code=code, **values))
    audit.record(uow, "registry:template:registered", actor=actor, subject_id=code, detail={"name": name})
    return {"code": code, "name": values["name"], "department": department, "mapping": mapping}


def list_templates(uow: UnitOfWork) -> list[dict[str, Any]]:
    q = sa.select(
        report_templates.c.code,
        report_templates.c.name,
        report_templates.c.department,
        report_templates.c.mapping,
    ).order_by(report_templates.c.code)
    return [dict(r._mapping) for r in uow.execute(q)]


def fill(uow: UnitOfWork, actor: Actor, code: str, area: str) -> bytes:
    """The template filled for `area`, as XLSX bytes, formatting kept."""
    row = uow.execute(sa.select(report_templates).where(report_templates.c.code == code)).first()
    if row is None:
        raise NotFound(f"template {code} not found")
    mapping = row.mapping
    wb = _load(row.workbook)
    for where, spec in (mapping.get("cells") or {}).items():
        ws, ref = _target(wb, str(where))
        ws[ref].value = run_query(uow, actor, spec["query"], area, spec.get("params")).scalar()
    for block in mapping.get("tables") or []:
        ws = wb[block["sheet"]] if block.get("sheet") else wb.worksheets[0]
        result = run_query(uow, actor, block["query"], area, block.get("params"))
        columns = block.get("columns") or list(result.columns)
        unknown = [c for c in columns if c not in result.columns]
        if unknown:
            raise Invalid("mapping", f"query {block['query']} has no column {unknown[0]}")
        letter, first_row = coordinate_from_string(block["start"])
        first_col = col_index(letter)
        picks = [result.columns.index(c) for c in columns]
        for i, values in enumerate(result.rows):
            for j, pick in enumerate(picks):
                cell = ws.cell(row=first_row + i, column=first_col + j)
                if i > 0:
                    anchor = ws.cell(row=first_row, column=first_col + j)
                    if anchor.has_style:
                        cell._style = copy(anchor._style)
                cell.value = values[pick]
        if block.get("total_label") and result.rows:
            total_row = first_row + len(result.rows)
            ws.cell(row=total_row, column=first_col).value = block["total_label"]
            last = get_column_letter(first_col + len(picks) - 1)
            ws.cell(
                row=total_row, column=first_col + len(picks) - 1
            ).value = f"=SUM({last}{first_row}:{last}{total_row - 1})"
    audit.record(uow, "registry:report:filled", actor=actor, subject_id=code, area_code=area)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
