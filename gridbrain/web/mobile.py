"""The grid worker's phone pages at /m/ (375 px, one-handed): my tasks, report an event (matter
picker with its parameters, location from the phone, photo; kept on the phone without network
and sent when it is back), and verification tasks (以核代采) with confirm-or-change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gridbrain.catalog import service as catalog_service
from gridbrain.core.auth import Role
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import DomainError
from gridbrain.events import service as events_service
from gridbrain.events.queries import Filter
from gridbrain.registry import verification
from gridbrain.web import labels
from gridbrain.web.access import PageUser, require_roles
from gridbrain.web.templating import render

router = APIRouter(include_in_schema=False)
PHONE_ROLES = frozenset({Role.GRID_WORKER, Role.ADMIN})
OPEN = "dispatched,accepted,in_progress,returned,handled"


@router.get("/m/")
def my_tasks(request: Request, user: PageUser) -> Response:
    """Events with my grid and the verification tasks waiting for me."""
    require_roles(user, PHONE_ROLES)
    with UnitOfWork(request.app.state.engine) as uow:
        page = events_service.list_events(uow, user, Filter(status=OPEN, area=user.area_code), per_page=30)
        mine = [e for e in page.items if e.level == "grid" or e.status == "handled"]
        tasks = verification.list_tasks(uow, user, status="open", limit=100)
    context = {"events": mine, "tasks": len(tasks), "statuses": labels.STATUS}
    return render(request, "m_home.html", context, user=user)


@router.get("/m/patrol")
def patrol_record(request: Request, user: PageUser) -> Response:
    """My patrol record (巡查记录): what I reported on patrol, newest first, and how each went on."""
    require_roles(user, PHONE_ROLES)
    with UnitOfWork(request.app.state.engine) as uow:
        page = events_service.list_events(uow, user, Filter(channel="patrol", reported_by=user.username), per_page=50)
    context = {"events": page.items, "total": page.total, "statuses": labels.STATUS}
    return render(request, "m_patrol.html", context, user=user)


@router.get("/m/report")
def report_form(request: Request, user: PageUser) -> Response:
    """Report an event from patrol (巡查上报)."""
    require_roles(user, PHONE_ROLES)
    with UnitOfWork(request.app.state.engine) as uow:
        cat = catalog_service.active_catalog(uow)
        matters = sorted(((m.code, m.name) for m in cat), key=lambda m: m[1])
    return render(request, "m_report.html", {"matters": matters}, user=user)


@router.get("/m/params")
def matter_parameters(request: Request, user: PageUser, matter_code: Annotated[str, Query()] = "") -> Response:
    """The parameters a matter asks at report time (an htmx fragment)."""
    require_roles(user, PHONE_ROLES)
    params: tuple[Any, ...] = ()
    if matter_code:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                params = catalog_service.active_catalog(uow).get(matter_code).parameters
        except DomainError:
            params = ()
    return render(request, "m_params.html", {"params": params}, user=user)


@router.get("/m/verify")
def verify_tasks(request: Request, user: PageUser) -> Response:
    """Verification tasks (以核代采): what is held, to confirm or correct field by field."""
    require_roles(user, PHONE_ROLES)
    with UnitOfWork(request.app.state.engine) as uow:
        tasks = verification.list_tasks(uow, user, status="open", limit=20)
    return render(request, "m_verify.html", {"tasks": tasks}, user=user)
