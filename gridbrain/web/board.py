"""The supervision board (/supervision): yellow and red cards by department and street, overdue
events, open supervision orders and whistles with who has reported in, and the assessment ranking
with its figures (exportable to XLSX through the API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gridbrain.core.db import UnitOfWork
from gridbrain.supervision import queries as supervision_queries
from gridbrain.supervision.assessment import service as assessment
from gridbrain.supervision.orders import service as orders
from gridbrain.supervision.orders import whistles
from gridbrain.web import cockpit_data
from gridbrain.web.access import PageUser, require_roles
from gridbrain.web.cockpit import home_area
from gridbrain.web.nav import NAV
from gridbrain.web.templating import render

router = APIRouter(include_in_schema=False)
BOARD_ROLES = next(item.roles for item in NAV if item.path == "/supervision")
PERIOD = timedelta(days=30)
SHOWN = 20


@router.get("/supervision")
def board(request: Request, user: PageUser) -> Response:
    """Everything a supervisor (督办) follows, for the user's area and the last 30 days."""
    require_roles(user, BOARD_ROLES)
    until = datetime.now(UTC)
    since = until - PERIOD
    with UnitOfWork(request.app.state.engine) as uow:
        area = home_area(uow, user)
        by_department = supervision_queries.card_counts(uow, user, by="department", since=since, until=until)
        by_street = supervision_queries.card_counts(uow, user, by="street", since=since, until=until)
        cards = supervision_queries.list_cards(uow, user, since=since, until=until)[:SHOWN]
        open_orders = orders.list_orders(uow, user, status="open")[:SHOWN]
        blown = whistles.list_whistles(uow, user)[:SHOWN]
        overdue = [m for m in cockpit_data.markers(uow, area.code) if m.overdue][:SHOWN]
        ranking = assessment.assess(uow, user, since=since, until=until, by="department")[:SHOWN]
    context = {
        "area": area,
        "by_department": by_department,
        "by_street": by_street,
        "cards": cards,
        "orders": open_orders,
        "whistles": blown,
        "overdue": overdue,
        "ranking": ranking,
        "since": since.date().isoformat(),
        "until": until.date().isoformat(),
    }
    return render(request, "board.html", context, user=user)
