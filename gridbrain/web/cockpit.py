"""The cockpit (驾驶舱) of one area per level — district, street, community, grid — and the live
stream every open page listens to (server-sent events)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from gridbrain.areas import service as areas_service
from gridbrain.catalog import service as catalog_service
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.supervision.assessment import service as assessment
from gridbrain.web import cockpit_data
from gridbrain.web.access import PageUser, page_user, require_roles
from gridbrain.web.nav import NAV
from gridbrain.web.templating import render

router = APIRouter(include_in_schema=False)
COCKPIT_ROLES = next(item.roles for item in NAV if item.path == "/cockpit")
AreaQuery = Annotated[str | None, Query(description="area code; the user's own area when left out")]
ThemeQuery = Annotated[str | None, Query(description="a themed view (1+8+X): a top class of the matter catalog")]


class MarkerPublic(BaseModel):
    id: str
    lat: float
    lng: float
    status: str
    text: str
    overdue: bool


class RankPublic(BaseModel):
    rank: int
    name: str
    score: float
    received: int


class HeatPublic(BaseModel):
    count: int
    boundary: list[tuple[float, float]]


class CockpitData(BaseModel):
    """What the cockpit's map and charts draw (the KPIs come as an htmx fragment)."""

    trend: list[tuple[str, int]]
    matters: list[tuple[str, int]]
    markers: list[MarkerPublic]
    ranking: list[RankPublic]
    heat: list[HeatPublic]


def _area_of(uow: UnitOfWork, user: Actor, area: str | None) -> areas_service.AreaView:
    """The area asked for (404 outside the user's scope), else the user's highest area."""
    if area:
        return areas_service.get_area(uow, user, area)
    return home_area(uow, user)


def home_area(uow: UnitOfWork, user: Actor) -> areas_service.AreaView:
    """The user's highest area that has a boundary: the province and city above a district
    have none, so an unrestricted user starts at the first area below them that does."""
    view = areas_service.get_area(uow, user, areas_service.top_areas(uow, user)[0].code)
    while view.geometry is None and view.children:
        view = areas_service.get_area(uow, user, view.children[0].code)
    return view


def _crumbs(uow: UnitOfWork, user: Actor, view: areas_service.AreaView) -> list[areas_service.AreaView]:
    """The area's ancestors the user may see, highest first (for drilling back up)."""
    out: list[areas_service.AreaView] = []
    code = view.parent_code
    while code and user.scope.covers(code):
        parent = areas_service.get_area(uow, user, code)
        out.insert(0, parent)
        code = parent.parent_code
    return out


def themes(uow: UnitOfWork) -> list[str]:
    """The themed views (the X of 1+8+X): the catalog's top classes."""
    return sorted({m.class_path[0] for m in catalog_service.active_catalog(uow) if m.class_path})


def _theme(uow: UnitOfWork, theme: str | None) -> cockpit_data.Theme:
    """The matter codes of a theme (None for the whole cockpit); an unknown theme is 404."""
    if not theme:
        return None
    codes = tuple(m.code for m in catalog_service.active_catalog(uow) if m.class_path[:1] == (theme,))
    if not codes:
        raise HTTPException(404, detail="theme not found")
    return codes


@router.get("/cockpit")
def cockpit(request: Request, user: PageUser, area: AreaQuery = None, theme: ThemeQuery = None) -> Response:
    """The area's map with children and grids, open and overdue events, KPIs and charts."""
    require_roles(user, COCKPIT_ROLES)
    with UnitOfWork(request.app.state.engine) as uow:
        view = _area_of(uow, user, area)
        crumbs = _crumbs(uow, user, view)
        kpis = cockpit_data.kpis(uow, view.code, _theme(uow, theme))
        all_themes = themes(uow)
    context = {"area": view, "crumbs": crumbs, "kpis": kpis, "theme": theme or "", "themes": all_themes}
    return render(request, "cockpit.html", context, user=user)


@router.get("/cockpit/kpis")
def cockpit_kpis(request: Request, user: PageUser, area: AreaQuery = None, theme: ThemeQuery = None) -> Response:
    """The KPI tiles alone (htmx swaps them in when the live stream says something changed)."""
    require_roles(user, COCKPIT_ROLES)
    with UnitOfWork(request.app.state.engine) as uow:
        view = _area_of(uow, user, area)
        kpis = cockpit_data.kpis(uow, view.code, _theme(uow, theme))
    return render(request, "cockpit_kpis.html", {"kpis": kpis}, user=user)


@router.get("/cockpit/data", response_model=CockpitData)
def cockpit_json(request: Request, user: PageUser, area: AreaQuery = None, theme: ThemeQuery = None) -> CockpitData:
    """Markers, trend, matter classes, heat and the department ranking of the last 30 days."""
    require_roles(user, COCKPIT_ROLES)
    with UnitOfWork(request.app.state.engine) as uow:
        view = _area_of(uow, user, area)
        codes = _theme(uow, theme)
        cat = catalog_service.active_catalog(uow)
        matters = [
            (cat.get(code).name if code in cat else code, n)
            for code, n in cockpit_data.matter_classes(uow, view.code, codes)
        ]
        now = datetime.now(UTC)
        rows = assessment.assess(uow, user, since=now - timedelta(days=30), until=now, by="department")
        return CockpitData(
            trend=cockpit_data.trend(uow, view.code, codes),
            matters=matters,
            markers=[MarkerPublic(**m.__dict__) for m in cockpit_data.markers(uow, view.code, codes)],
            ranking=[RankPublic(rank=r.rank, name=r.name, score=r.score, received=r.tally.received) for r in rows[:10]],
            heat=[HeatPublic(count=h.count, boundary=h.boundary) for h in cockpit_data.heat(uow, view.code, codes)],
        )


@router.get("/live")
async def live(request: Request, area: AreaQuery = None) -> Response:
    """Server-sent events: a `changed` message for every event change in the user's area."""
    user = await anyio.to_thread.run_sync(page_user, request)
    if user is None:
        return Response(status_code=401)
    stream = request.app.state.live.stream(user_area=user.area_code, area=area)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
