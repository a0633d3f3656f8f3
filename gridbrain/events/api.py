"""HTTP API of the event hub: the native `/api/v1` routes and Open311 GeoReport v2 (`/open311/v2`).

`router` is top-level (no prefix) and includes both, since the app includes only this module's
`router` for the events capability.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import AwareDatetime, RootModel

from gridbrain.core.errors import MissingField
from gridbrain.core.web import AsyncUser, CurrentUser, UowDep, for_clients
from gridbrain.events import actions, dispatch, photos, queries
from gridbrain.events.open311.api import router as open311_router
from gridbrain.events.schemas import (
    ActionBody,
    CreatedId,
    DelegationBody,
    EventCreate,
    EventCreated,
    EventDetailPublic,
    EventPage,
    EventPublic,
    EventSummary,
    FollowBody,
    PhotoCreated,
    PhotoPublic,
    ReturnVisitPublic,
)

native = APIRouter(prefix="/api/v1", tags=["events"])


@native.post("/events", response_model=EventCreated, status_code=201)
@for_clients
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
    since: Annotated[AwareDatetime | None, Query(description="reported at or after (ISO 8601 with zone)")] = None,
    until: Annotated[AwareDatetime | None, Query(description="reported before (ISO 8601 with zone)")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> EventPage:
    """Events in the user's area, newest first."""
    f = queries.Filter(status=status, area=area, matter=matter, channel=channel, since=since, until=until)
    p = queries.list_events(uow, user, f, page=page, per_page=per_page)
    return EventPage(items=[EventSummary.of(e) for e in p.items], total=p.total, page=p.page, per_page=p.per_page)


@native.get("/events/{event_id}", response_model=EventDetailPublic)
@for_clients
def get_event(event_id: str, user: CurrentUser, uow: UowDep) -> EventDetailPublic:
    """One event with its timeline and the extensions other capabilities add (deadlines, cards)."""
    d = queries.detail(uow, user, event_id)
    return EventDetailPublic.of_detail(user, d, photos.photos_of(uow, event_id))


@native.post("/events/{event_id}/actions/{action}", response_model=EventPublic)
def do_action(
    event_id: str, action: str, user: CurrentUser, uow: UowDep, body: ActionBody | None = None
) -> EventPublic:
    """A lifecycle action (accept, return, start, handle, verify, reject, close, reopen, cancel,
    dispatch, reroute, escalate, triage) or `assign` / `rate`. An illegal one answers 409 naming
    the current status and the allowed actions."""
    b = body or ActionBody()
    if action == "assign":
        if not b.assignee:
            raise MissingField("assignee")
        actions.assign(uow, user, event_id, username=b.assignee)
    elif action == "rate":
        if b.rating is None:
            raise MissingField("rating")
        actions.rate(uow, user, event_id, rating=b.rating, comment=b.comment)
    else:
        actions.act(uow, user, event_id, action, note=b.text, route=b.to_route())
    uow.commit()
    return EventPublic.of_actor(user, queries.load(uow, user, event_id))


@native.post("/events/{event_id}/photos", status_code=201, response_model=PhotoCreated)
@for_clients
async def add_photo(
    event_id: str, user: CurrentUser, uow: UowDep, request: Request, file: Annotated[UploadFile, File()]
) -> PhotoCreated:
    """Attach a photo (JPEG, PNG or WebP, up to the configured size), stored on disk."""
    settings = request.app.state.settings
    data = await file.read(settings.upload_max_bytes + 1)
    out = photos.add_photo(
        uow, user, event_id, data, upload_dir=settings.upload_dir, max_bytes=settings.upload_max_bytes
    )
    uow.commit()
    return PhotoCreated(**out)


@native.get("/events/{event_id}/photos", response_model=list[PhotoPublic])
def list_photos(event_id: str, user: CurrentUser, uow: UowDep) -> list[PhotoPublic]:
    """The event's photos (type, size, who added them, when) with the URL of each file."""
    return [PhotoPublic(**p) for p in photos.list_photos(uow, user, event_id)]


@native.get("/events/{event_id}/photos/{photo_id}", response_class=FileResponse)
def get_photo(event_id: str, photo_id: str, user: CurrentUser, uow: UowDep, request: Request) -> FileResponse:
    """One photo's file, for whoever may see the event."""
    path, content_type = photos.photo_file(
        uow, user, event_id, photo_id, upload_dir=request.app.state.settings.upload_dir
    )
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


@native.post("/follows", status_code=201, response_model=CreatedId)
@for_clients
def follow(body: FollowBody, user: CurrentUser, uow: UowDep) -> CreatedId:
    """A resident follows an event or a place (area code) and is told of changes."""
    new_id = actions.follow(
        uow, user, adapter=body.adapter, contact=body.contact, event_id=body.event_id, area_code=body.area_code
    )
    uow.commit()
    return CreatedId(id=new_id)


@native.post("/event-delegations", status_code=201, response_model=CreatedId)
def add_delegation(body: DelegationBody, user: CurrentUser, uow: UowDep) -> CreatedId:
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
    return CreatedId(id=new_id)


class ReturnsByMatterPublic(RootModel[dict[str, int]]):
    """Returns (退单) per matter code."""


@native.get("/event-returns", response_model=ReturnsByMatterPublic)
def returns_by_matter(user: CurrentUser, uow: UowDep) -> ReturnsByMatterPublic:
    """How often events of each matter were returned (退单), in the user's area."""
    return ReturnsByMatterPublic(queries.returns_by_matter(uow, user))


@native.get("/return-visits", response_model=list[ReturnVisitPublic])
def return_visits(user: CurrentUser, uow: UowDep) -> list[ReturnVisitPublic]:
    """Open return-visit (回访) tasks for closed events nobody rated."""
    return [ReturnVisitPublic(**v) for v in queries.list_visits(uow, user)]


router = APIRouter()
router.include_router(native)
router.include_router(open311_router)
