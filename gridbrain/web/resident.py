"""The resident's page (/report): report a problem without an account, get a ticket number,
track it, read the answer and rate it — like FixMyStreet. Throttled per client; a ticket shows
no one's personal details, and only the browser that reported it sees its text and may rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import anyio.to_thread
import filetype
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from gridbrain.catalog import service as catalog_service
from gridbrain.core.auth import Actor, Role
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import DomainError, NotFound
from gridbrain.events import answers, photos
from gridbrain.events import service as events_service
from gridbrain.events.intake import Report
from gridbrain.events.settings import get_event_settings
from gridbrain.web import labels
from gridbrain.web.cockpit import home_area
from gridbrain.web.i18n import gettext as _
from gridbrain.web.i18n import locale_of, use
from gridbrain.web.settings import get_web_settings
from gridbrain.web.templating import local_time, render
from gridbrain.web.throttle import Throttle

router = APIRouter(include_in_schema=False)
# the account residents' web reports come through (a client system, as the Open311 ones are)
RESIDENT = Actor(username="resident-web", role=Role.OPEN311_CLIENT, display_name="居民网页")
TICKETS_KEPT = 20
_throttle: Throttle | None = None


def throttle() -> Throttle:
    global _throttle
    if _throttle is None:
        _throttle = Throttle(get_web_settings().resident_reports_per_hour, 3600.0)
    return _throttle


@dataclass
class ReportForm:
    """What the resident typed, kept whole when something is wrong."""

    text: str = ""
    address: str = ""
    lat: str = ""
    lng: str = ""
    name: str = ""
    phone: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def check(self) -> tuple[float | None, float | None]:
        """Field messages for what cannot be sent; the point picked on the map, if any."""
        if len(self.text.strip()) < 5:
            self.errors["text"] = _("Describe the problem in at least 5 characters")
        lat = lng = None
        if self.lat or self.lng:
            try:
                lat, lng = float(self.lat), float(self.lng)
            except ValueError:
                self.errors["location"] = _("The point on the map is not valid; pick it again")
        if lat is None and not self.address.strip():
            self.errors["location"] = _("Pick the place on the map or type an address")
        digits = self.phone.replace("-", "").replace(" ", "")
        if self.phone and not (digits.isdigit() and 5 <= len(digits) <= 20):
            self.errors["phone"] = _("A phone number has 5 to 20 digits")
        if len(self.name) > 32:
            self.errors["name"] = _("A name has at most 32 characters")
        return lat, lng


def _photo_error(data: bytes, max_bytes: int) -> str | None:
    if len(data) > max_bytes:
        return _("The photo is too large")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in get_event_settings().photo_types:
        return _("The photo must be a JPEG, PNG or WebP image")
    return None


@router.get("/report")
def report_form(request: Request) -> Response:
    """The form: what is wrong, where, optionally a photo and a way to call back."""
    return render(request, "report.html", {"form": ReportForm(), "mine": _tickets(request)})


@router.post("/report")
async def report(  # noqa: PLR0913, PLR0917 - one argument per form field
    request: Request,
    text: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    lng: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Send a report: the event hub's intake, then the photo; answers the ticket's page."""
    use(locale_of(request))
    form = ReportForm(text=text, address=address, lat=lat, lng=lng, name=name, phone=phone)
    point = form.check()
    settings = request.app.state.settings
    data = await photo.read(settings.upload_max_bytes + 1) if photo is not None and photo.filename else b""
    if data and (problem := _photo_error(data, settings.upload_max_bytes)):
        form.errors["photo"] = problem
    if form.errors:
        return render(request, "report.html", {"form": form, "mine": _tickets(request)}, status=422)
    client = request.client.host if request.client else "-"
    if not throttle().allow(client):
        form.errors["form"] = _("Too many reports from this device; please try again in an hour")
        return render(request, "report.html", {"form": form, "mine": _tickets(request)}, status=429)
    r = Report(
        channel="app",
        text=form.text.strip(),
        lat=point[0],
        lng=point[1],
        address=form.address.strip() or None,
        reporter_name=form.name.strip() or None,
        reporter_phone=form.phone.strip() or None,
    )
    try:
        intake = await request.app.state.intake.take(RESIDENT, r)
    except DomainError as e:
        key = "location" if e.field in ("lat", "lng", "location", "address") else "text"
        form.errors[key] = e.message
        return render(request, "report.html", {"form": form, "mine": _tickets(request)}, status=422)
    ticket = str(intake.event["id"])
    if data:
        await anyio.to_thread.run_sync(_add_photo, request, ticket, data)
    request.session["tickets"] = [*_tickets(request), ticket][-TICKETS_KEPT:]
    return RedirectResponse(f"/report/{ticket}", status_code=303)


def _add_photo(request: Request, ticket: str, data: bytes) -> None:
    settings = request.app.state.settings
    with UnitOfWork(request.app.state.engine) as uow:
        photos.add_photo(
            uow, RESIDENT, ticket, data, upload_dir=settings.upload_dir, max_bytes=settings.upload_max_bytes
        )
        uow.commit()


def _tickets(request: Request) -> list[str]:
    return [str(t) for t in request.session.get("tickets", [])]


@router.get("/report/track")
def track(ticket: str = "") -> Response:
    """Look a ticket up by its number."""
    return RedirectResponse(f"/report/{ticket.strip()}" if ticket.strip() else "/report", status_code=303)


class OutlinePublic(BaseModel):
    """The district's outline as one GeoJSON Feature."""

    type: Literal["Feature"] = "Feature"
    properties: dict[str, str]
    geometry: dict[str, Any] | None


@router.get("/report/area", response_model=OutlinePublic)
def report_area(request: Request) -> OutlinePublic:
    """The district's outline (GeoJSON) for the resident's map (public: no personal data)."""
    with UnitOfWork(request.app.state.engine) as uow:
        view = home_area(uow, RESIDENT)
    return OutlinePublic(properties={"name": view.name}, geometry=view.geometry)


@dataclass(frozen=True)
class Step:
    at: str
    status: str
    note: str | None


def _ticket_view(uow: UnitOfWork, ticket: str, mine: bool) -> dict[str, Any]:
    ev = events_service.get_event(uow, RESIDENT, ticket)
    cat = catalog_service.active_catalog(uow)
    code = ev.get("matter_code")
    steps, close_note = [], None
    for t in ev["timeline"]:
        if t["kind"] != "transition":
            continue
        shown = t["action"] in ("closed", "handled")  # the answers to the resident; other notes are internal
        steps.append(Step(local_time(t["at"]), labels.STATUS[t["to_status"]], t["note"] if shown else None))
        if t["action"] == "closed":
            close_note = t["note"]
    # the same answer the outbox sent back: the handler's result, else the close note
    answer = answers.answer_text(answers.handler_result(uow, ticket), close_note) if ev["status"] == "closed" else None
    return {
        "ticket": ticket,
        "status": ev["status"],
        "status_label": labels.STATUS[ev["status"]],
        "matter": cat.get(code).name if code and code in cat else None,
        "text": ev["text"] if mine else None,
        "address": ev.get("address_text") if mine else None,
        "steps": steps,
        "answer": answer,
        "satisfaction": ev.get("satisfaction"),
        "rateable": mine and ev["status"] == "closed" and ev.get("satisfaction") is None,
    }


@router.get("/report/{ticket}")
def ticket_page(request: Request, ticket: str, error: str | None = None) -> Response:
    """Where the ticket stands, the answer once closed, and the rating form for its reporter."""
    mine = ticket in _tickets(request)
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            view = _ticket_view(uow, ticket, mine)
    except NotFound:
        return render(request, "report_unknown.html", {"ticket": ticket}, status=404)
    return render(request, "report_ticket.html", {"t": view, "mine": mine, "error": error})


@router.post("/report/{ticket}/rate")
def rate(
    request: Request,
    ticket: str,
    rating: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """The reporter's satisfaction (1–5) with the answer; only from the browser that reported."""
    if ticket not in _tickets(request):
        return render(request, "report_unknown.html", {"ticket": ticket}, status=404)
    if rating not in {"1", "2", "3", "4", "5"}:
        return RedirectResponse(f"/report/{ticket}?error=rating", status_code=303)
    with UnitOfWork(request.app.state.engine) as uow:
        events_service.rate(uow, RESIDENT, ticket, rating=int(rating), comment=comment.strip() or None)
        uow.commit()
    return RedirectResponse(f"/report/{ticket}", status_code=303)
