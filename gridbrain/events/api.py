"""HTTP API of the event hub: the native `/api/v1` routes and Open311 GeoReport v2 (`/open311/v2`).

`router` is top-level (no prefix) and includes both, since the app includes only this module's
`router` for the events capability.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse

from gridbrain.core.web import AsyncUser, CurrentUser, UowDep
from gridbrain.events import dispatch, photos, service
from gridbrain.events.model import Action
from gridbrain.events.open311.api import router as open311_router
from gridbrain.events.schemas import (
    ActionBody,
    DelegationBody,
    EventCreate,
    EventCreated,
    EventPage,
    EventPublic,
    EventSummary,
    FollowBody,
)

native = APIRouter(prefix="/api/v1", tags=["events"])


@native.post("/events", response_model=EventCreated, status_code=201)
async def create_event(body: EventCreate, user: AsyncUser, request: Request) -> Response:
    """Report a problem (一个口子进); durable before the answer (reports arriving together are
    committed together: group commit). A repeated (channel, external_id) answers the existing
    event with 200 instead of making a second one."""
    intake = await request.app.state.intake.take(user, body.to_report())
    created = EventCreated(
        **EventSummary.of(intake.event).model_dump(),
        created=intake.created,
        candidates=intake.candidates,
        triage_reason=intake.event.get("triage_reason"),
    )
    # the hottest route: serialised here once, not validated again against its own model
    return Response(
        created.model_dump_json(), status_code=201 if intake.created else 200, media_type="application/json"
    )


@native.get("/events", response_model=EventPage)
def list_events(
    user: CurrentUser,
    uow: UowDep,
    status: Annotated[str | None, Query(description="one status or a comma list")] = None,
    area: Annotated[str | None, Query(description="area or grid code")] = None,
    matter: Annotated[str | None, Query(description="matter code")] = None,
    channel: Annotated[str | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="reported at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="reported before (ISO 8601)")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> EventPage:
    """Events in the user's area, newest first."""
    p = service.list_events(
        uow,
        user,
        status=status,
        area=area,
        matter=matter,
        channel=channel,
        since=since,
        until=until,
        page=page,
        per_page=per_page,
    )
    return EventPage(items=[EventSummary.of(e) for e in p.items], total=p.total, page=p.page, per_page=p.per_page)


@native.get("/events/{event_id}")
def get_event(event_id: str, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """One event with its timeline and the extensions other capabilities add (deadlines, cards)."""
    ev = service.get_event(uow, user, event_id)
    out = EventPublic.of_actor(user, ev).model_dump(mode="json")
    out["timeline"] = jsonable_encoder(ev["timeline"])
    out["photos"] = jsonable_encoder(photos.photos_of(uow, event_id))
    for key, value in ev["extensions"].items():
        out[key] = jsonable_encoder(value)
    return out


@native.post("/events/{event_id}/actions/{action}", response_model=EventPublic)
def do_action(
    event_id: str, action: str, user: CurrentUser, uow: UowDep, body: ActionBody | None = None
) -> EventPublic:
    """A lifecycle action (accept, return, start, handle, verify, reject, close, reopen, cancel,
    dispatch, reroute, escalate, triage) or `assign` / `rate`. An illegal one answers 409 naming
    the current status and the allowed actions."""
    b = body or ActionBody()
    note = b.note or b.reason
    if action == "assign":
        if not b.assignee:
            from gridbrain.core.errors import MissingField

            raise MissingField("assignee")
        ev = service.assign(uow, user, event_id, username=b.assignee)
    elif action == "rate":
        if b.rating is None:
            from gridbrain.core.errors import MissingField

            raise MissingField("rating")
        ev = service.rate(uow, user, event_id, rating=b.rating, comment=b.comment)
    elif action == Action.ESCALATE:
        ev = service.act(uow, user, event_id, action, note=note, level=b.level)
    else:
        ev = service.act(
            uow,
            user,
            event_id,
            action,
            note=note,
            matter_code=b.matter_code,
            parameters=b.parameters,
            level=b.level,
            department_code=b.department_code,
            lat=b.lat,
            lng=b.lng,
            crs=b.crs,
        )
    uow.commit()
    ev = service.get_event(uow, user, event_id)
    return EventPublic.of_actor(user, ev)


@native.post("/events/{event_id}/photos", status_code=201)
async def add_photo(
    event_id: str, user: CurrentUser, uow: UowDep, request: Request, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """Attach a photo (JPEG, PNG or WebP, up to the configured size), stored on disk."""
    data = await file.read(request.app.state.settings.upload_max_bytes + 1)
    out = photos.add_photo(
        uow,
        user,
        event_id,
        data,
        upload_dir=request.app.state.settings.upload_dir,
        max_bytes=request.app.state.settings.upload_max_bytes,
    )
    uow.commit()
    return out


@native.get("/events/{event_id}/photos")
def list_photos(event_id: str, user: CurrentUser, uow: UowDep) -> list[dict[str, Any]]:
    """The event's photos (type, size, who added them, when) with the URL of each file."""
    out: list[dict[str, Any]] = jsonable_encoder(photos.list_photos(uow, user, event_id))
    return out


@native.get("/events/{event_id}/photos/{photo_id}", response_class=FileResponse)
def get_photo(event_id: str, photo_id: str, user: CurrentUser, uow: UowDep, request: Request) -> FileResponse:
    """One photo's file, for whoever may see the event."""
    path, content_type = photos.photo_file(
        uow, user, event_id, photo_id, upload_dir=request.app.state.settings.upload_dir
    )
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


@native.post("/follows", status_code=201)
def follow(body: FollowBody, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """A resident follows an event or a place (area code) and is told of changes."""
    new_id = service.follow(
        uow,
        user,
        adapter=body.adapter,
        contact=body.contact,
        event_id=body.event_id,
        area_code=body.area_code,
    )
    uow.commit()
    return {"id": new_id}


@native.post("/event-delegations", status_code=201)
def add_delegation(body: DelegationBody, user: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """Approve delegating an out-of-list matter to grid workers (with funding note and handbook)."""
    new_id = dispatch.add_delegation(
        uow,
        user,
        matter_code=body.matter_code,
        area_code=body.area_code,
        funding_note=body.funding_note,
        handbook_url=body.handbook_url,
    )
    uow.commit()
    return {"id": new_id}


@native.get("/event-returns")
def returns_by_matter(user: CurrentUser, uow: UowDep) -> dict[str, int]:
    """How often events of each matter were returned (退单), in the user's area."""
    return service.returns_by_matter(uow, user)


@native.get("/return-visits")
def return_visits(user: CurrentUser, uow: UowDep) -> list[dict[str, Any]]:
    """Open return-visit (回访) tasks for closed events nobody rated."""
    out: list[dict[str, Any]] = jsonable_encoder(service.list_visits(uow, user))
    return out


router = APIRouter()
router.include_router(native)
router.include_router(open311_router)
