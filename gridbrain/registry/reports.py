"""The named queries reports are filled from (智减负), inside the actor's scope and an area;
the same queries export as CSV or JSON for a department's system. Templates are in `templates`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from gridbrain.areas import service as areas_service
from gridbrain.core import clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.registry.reads import has_tag, in_scope, within
from gridbrain.registry.tables import enterprises, houses, people


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
    return QueryResult(("name",), [(_name(uow, actor, area),)])


def q_today(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    return QueryResult(("date",), [(clock.local().date(),)])


def q_people_count(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    n = uow.execute(sa.select(sa.func.count()).select_from(people).where(*_people_where(uow, actor, area, params)))
    return QueryResult(("count",), [(n.scalar_one(),)])


def q_people_by_community(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    code = sa.func.substr(people.c.grid_code, 1, 12)
    q = (
        sa.select(code.label("community_code"), sa.func.count().label("count"))
        .where(people.c.grid_code.is_not(None), *_people_where(uow, actor, area, params))
        .group_by(code)
        .order_by(code)
    )
    rows = [(r.community_code, _name(uow, actor, r.community_code), r.count) for r in uow.execute(q)]
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
    street = sa.func.substr(enterprises.c.grid_code, 1, 9)
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
    rows = [(r.street + "000", _name(uow, actor, r.street + "000"), r.industry, r.count) for r in uow.execute(q)]
    return QueryResult(("street_code", "street_name", "industry", "count"), rows)


def q_enterprises_count(uow: UnitOfWork, actor: Actor, area: str, params: dict[str, Any]) -> QueryResult:
    cond = _area_filter(enterprises, actor, area)
    for name in ("industry", "status"):
        if params.get(name):
            cond.append(enterprises.c[name] == params[name])
    n = uow.execute(sa.select(sa.func.count()).select_from(enterprises).where(*cond)).scalar_one()
    return QueryResult(("count",), [(n,)])


def _name(uow: UnitOfWork, actor: Actor, code: str) -> str:
    """An area's name, through the areas capability (the code when it is not known)."""
    try:
        return areas_service.get_area(uow, actor, code).name
    except (NotFound, Invalid):
        return code


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
