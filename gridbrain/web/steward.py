"""The steward's desk (/steward): imports with their counts, the quarantine queue with fix /
accept / reject per record, verification coverage per grid, and the report templates with their
filled downloads. Every change goes through the registry's API, so its refusals are shown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gridbrain.core.db import UnitOfWork
from gridbrain.registry import importer, quarantine, verification
from gridbrain.registry import templates as report_templates
from gridbrain.registry.schemas import QuarantinePublic
from gridbrain.web.access import PageUser, require_roles
from gridbrain.web.cockpit import home_area
from gridbrain.web.nav import NAV
from gridbrain.web.templating import render

router = APIRouter(include_in_schema=False)
STEWARD_ROLES = next(item.roles for item in NAV if item.path == "/steward")
QUEUE = 50
LOWEST = 20  # the grids with the lowest verification coverage
RUNS = 10  # the latest imports shown with their counts


@router.get("/steward")
def steward(request: Request, user: PageUser) -> Response:
    """The data steward's day: the queue first, then coverage and the report templates."""
    require_roles(user, STEWARD_ROLES)
    with UnitOfWork(request.app.state.engine) as uow:
        total, items = quarantine.list_items(uow, user, status="open", kind=None, run_id=None, limit=QUEUE, offset=0)
        queue = [QuarantinePublic.of(user, i) for i in items]
        area = home_area(uow, user)
        cover = sorted(verification.coverage(uow, user, kind="person"), key=lambda r: (r["coverage"], r["grid_code"]))
        templates_ = report_templates.list_templates(uow)
        runs = importer.list_runs(uow, user, limit=RUNS)
    context = {
        "runs": runs,
        "total": total,
        "queue": queue,
        "coverage": cover[:LOWEST],
        "grids": len(cover),
        "templates": templates_,
        "area": area,
    }
    return render(request, "steward.html", context, user=user)
