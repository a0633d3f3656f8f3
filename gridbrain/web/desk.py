"""The event desk (/desk): the triage queue where an operator picks the matter and sees the
decided level and department before confirming, the event list with filters, and the event page
with its map, photos, timeline, audit, duplicates and the actions open to this user. The actions
go through the JSON API, so a refusal's message (409, 403, 422) is shown next to the action."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from gridbrain.areas import service as areas_service
from gridbrain.catalog import service as catalog_service
from gridbrain.core.auth import Actor, Role
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import DomainError, NotFound
from gridbrain.events import photos, queries
from gridbrain.events import service as events_service
from gridbrain.events.queries import Filter
from gridbrain.web import i18n, labels, timeline
from gridbrain.web.access import PageUser, require_roles
from gridbrain.web.nav import NAV
from gridbrain.web.templating import render

router = APIRouter(include_in_schema=False)
DESK_ROLES = next(item.roles for item in NAV if item.path == "/desk")
OPEN = "reported,triage,dispatched,accepted,returned,in_progress,handled,verified"
# who works which moves (the service decides for real and refuses the rest with its message)
_HANDLER_MOVES = {"accept", "return", "start", "handle"}
_OPERATOR_MOVES = {"dispatch", "triage", "reroute", "escalate", "cancel", "close", "verify", "reject", "reopen"}
NEEDS_NOTE = {"return", "reject", "cancel", "reopen", "escalate"}


def _moves_of(user: Actor, allowed: list[str]) -> list[str]:
    """The lifecycle's allowed actions that this user's role works."""
    if user.role == Role.ADMIN:
        return allowed
    mine = _HANDLER_MOVES if user.role == Role.DEPARTMENT_HANDLER else _OPERATOR_MOVES | _HANDLER_MOVES
    return [a for a in allowed if a in mine]


def _matters(uow: UnitOfWork) -> list[tuple[str, str]]:
    return sorted(((m.code, m.name) for m in catalog_service.active_catalog(uow)), key=lambda m: m[1])


@router.get("/desk")
def desk(
    request: Request,
    user: PageUser,
    status: Annotated[str | None, Query()] = None,
    matter: Annotated[str | None, Query()] = None,
    since: Annotated[str | None, Query()] = None,
) -> Response:
    """The triage queue (operators) and the event list of the user's area, newest first."""
    require_roles(user, DESK_ROLES)
    i18n.use(i18n.locale_of(request))
    errors: dict[str, str] = {}
    start = None
    if since:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            errors["since"] = "日期格式应为 2026-11-01"
    with UnitOfWork(request.app.state.engine) as uow:
        triage = []
        if user.role != Role.DEPARTMENT_HANDLER:
            triage = events_service.list_events(uow, user, Filter(status="triage"), per_page=50).items
        page = events_service.list_events(
            uow, user, Filter(status=status or OPEN, matter=matter or None, since=start), per_page=100
        )
        items = page.items
        if user.role == Role.DEPARTMENT_HANDLER:  # a handler's list: what is with their department
            items = [e for e in items if e.department_code == user.department_code]
        matters = _matters(uow)
        departments = areas_service.department_names(uow, {e.department_code for e in (*items, *triage)})
    names = dict(matters)
    context = {
        "triage": triage,
        "items": items,
        "total": page.total,
        "names": names,
        "matters": matters,
        "statuses": labels.STATUS,
        "filters": {"status": status or "", "matter": matter or "", "since": since or ""},
        "errors": errors,
        "departments": departments,
        "refusals": refusals(),
        "field_names": field_names(),
    }
    return render(request, "desk.html", context, user=user)


@router.post("/desk/decide")
def decide_preview(request: Request, user: PageUser, matter_code: Annotated[str, Form()] = "") -> Response:
    """定性定责 of a picked matter: the level and the department it would go to (an htmx fragment)."""
    require_roles(user, DESK_ROLES)
    context: dict[str, Any] = {"decision": None, "error": None}
    if matter_code:
        try:
            with UnitOfWork(request.app.state.engine) as uow:
                matter, decision = catalog_service.decide_matter(uow, matter_code, None)
            types = {t["code"]: t["name"] for t in areas_service.load_department_types()}
            context["decision"] = {
                "matter": matter.name,
                "level": labels.LEVEL.get(decision.level, decision.level),
                "department": types.get(decision.department_type, decision.department_type),
                "parameters": matter.parameters,
            }
        except DomainError as e:
            context["error"] = e.message
    return render(request, "desk_decision.html", context, user=user)


@router.get("/desk/events/{event_id}")
def event_page(request: Request, user: PageUser, event_id: str) -> Response:
    """One event: map, photos, timeline, audit, duplicates and the actions open to this user."""
    require_roles(user, DESK_ROLES)
    i18n.use(i18n.locale_of(request))  # the timeline's values and the refusals are worded here
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            ev = events_service.get_event(uow, user, event_id)
            reporter = events_service.reporter_view(user, queries.load(uow, user, event_id))
            pics = photos.list_photos(uow, user, event_id)
            matters = _matters(uow)
            departments = areas_service.department_names(
                uow, {ev["department_code"], *timeline.department_codes(ev["timeline"])}
            )
    except NotFound as e:  # out of the user's area: it does not exist for them
        raise HTTPException(404, detail="event not found") from e
    context = {
        "ev": ev,
        "reporter": reporter,
        "photos": pics,
        "moves": _moves_of(user, ev["allowed_actions"]),
        "needs_note": NEEDS_NOTE,
        "matters": matters,
        "names": dict(matters),
        "action_labels": labels.ACTION,
        "level_labels": labels.LEVEL,
        "status_labels": labels.STATUS,
        "status_label": labels.STATUS.get(ev["status"], ev["status"]),
        "department": departments.get(ev["department_code"] or "", ev["department_code"]),
        "steps": timeline.steps(ev["timeline"], departments, i18n.gettext),
        "refusals": refusals(),
        "field_names": field_names(),
    }
    return render(request, "desk_event.html", context, user=user)


def refusals() -> dict[str, str]:
    """The API's refusals as the desk shows them, by `code` or `code:field:rule` (desk.js picks the
    most specific); the API's own English message is kept beside it, smaller."""
    _ = i18n.gettext
    stale = _("This move is not open in the event's present state; reload to see what changed.")
    return {
        "conflict": stale,
        "illegal_transition": stale,
        "forbidden": _("Your role may not make this move on this event."),
        "not_found": _("This event is not in your area, or no longer exists."),
        "invalid": _("Check what you typed:"),
        "invalid:reason:required": _("Give a reason for this move."),
        "invalid:matter_code": _("Pick a matter from the list."),
        "unauthenticated": _("Your session has ended: log in again."),
        "too_many_attempts": _("Too many tries: wait a moment and try again."),
        "network": _("The server could not be reached: try again."),
    }


def field_names() -> dict[str, str]:
    """The names of the fields an action sends, for a refusal that names its field."""
    _ = i18n.gettext
    return {
        "reason": _("Reason"),
        "note": _("Note"),
        "matter_code": _("Matter"),
        "to_level": _("Level"),
        "assignee": _("Handler"),
        "parameters": _("Parameters"),
        "action": _("Action"),
    }
