"""Request and response shapes of the native event API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field, Strict

from gridbrain.catalog.model import Matter, decide
from gridbrain.core.auth import Actor
from gridbrain.core.errors import DomainError
from gridbrain.events.actions import Route
from gridbrain.events.intake import Report
from gridbrain.events.matters import catalog
from gridbrain.events.model import Event
from gridbrain.events.queries import Detail, reporter_view


class Reporter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=20)
    contact: str | None = Field(None, max_length=120, description="e-mail, app account or device id")


# a coordinate: a JSON number, never a boolean or a string coerced into one
StrictNumber = Annotated[float, Strict()] | Annotated[int, Strict()]


class EventCreate(BaseModel):
    """A problem reported on any channel. Location: `lat`/`lng` (with `crs`) or `address`."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(description="hotline_12345 | app | patrol | department | iot | video_ai | system")
    external_id: str | None = Field(None, max_length=64, description="the channel's own id (idempotency key)")
    text: str = Field(min_length=1, max_length=4000)
    lat: StrictNumber | None = None
    lng: StrictNumber | None = None
    crs: str = "wgs84"
    address: str | None = Field(None, max_length=200)
    matter_code: str | None = None
    parameters: dict[str, Any] | None = None
    nature: str | None = None
    reporter: Reporter | None = None
    media_url: str | None = Field(None, max_length=500)

    def to_report(self) -> Report:
        rep = self.reporter or Reporter()
        return Report(
            channel=self.channel,
            text=self.text,
            external_id=self.external_id,
            lat=self.lat,
            lng=self.lng,
            crs=self.crs,
            address=self.address,
            matter_code=self.matter_code,
            parameters=self.parameters,
            nature=self.nature,
            reporter_name=rep.name,
            reporter_phone=rep.phone,
            reporter_contact=rep.contact,
            media_url=self.media_url,
        )


class MatterRef(BaseModel):
    code: str
    name: str


class DepartmentRefPublic(BaseModel):
    """A kind of department: its type code and name (主责 / 配合 are kinds, not offices)."""

    code: str
    name: str


class CoDepartmentPublic(DepartmentRefPublic):
    role: str  # 配合 / 属地 / 监管


class EventSummary(BaseModel):
    """An event in a list: where it is, what it is, who has it (`department`, the handler at the
    decided level) and who answers for its matter (`responsible_department`, 主责, with the
    co-operating `co_departments`, 配合)."""

    id: str
    status: str
    channel: str
    external_id: str | None
    text: str
    matter: MatterRef | None
    nature: str | None
    level: str | None
    department: str | None
    grid_code: str | None
    area_code: str
    lat: float | None
    lng: float | None
    address: str | None
    reported_at: datetime
    closed_at: datetime | None
    reports_count: int
    duplicate_of: str | None
    satisfaction: int | None
    responsible_department: DepartmentRefPublic | None = None
    co_departments: list[CoDepartmentPublic] = []

    @classmethod
    def of(cls, ev: Event | Mapping[str, Any]) -> EventSummary:
        return cls(**_summary(_event(ev)))


def _event(ev: Event | Mapping[str, Any]) -> Event:
    return ev if isinstance(ev, Event) else Event.of(ev)


def _responsibility(matter: Matter, ev: Event) -> dict[str, Any]:
    """The matter's responsible and co-operating departments as the catalog in force decides
    them for the event's parameters."""
    try:
        d = decide(matter, dict(ev.parameters or {}))
    except DomainError:  # parameters an older catalog version took
        return {}
    return {
        "responsible_department": DepartmentRefPublic(
            code=d.responsible_department.code, name=d.responsible_department.name
        ),
        "co_departments": [CoDepartmentPublic(code=c.code, name=c.name, role=str(c.role)) for c in d.co_departments],
    }


def _summary(ev: Event) -> dict[str, Any]:
    matter, decided = None, {}
    if ev.matter_code:
        cat = catalog()
        known = cat.get(ev.matter_code) if ev.matter_code in cat else None
        matter = MatterRef(code=ev.matter_code, name=known.name if known else ev.matter_code)
        decided = _responsibility(known, ev) if known else {}
    return {
        **decided,
        "id": ev.id,
        "status": ev.status.value,
        "channel": ev.channel,
        "external_id": ev.external_id,
        "text": ev.text,
        "matter": matter,
        "nature": ev.nature,
        "level": ev.level.value if ev.level else None,
        "department": ev.department_code,
        "grid_code": ev.grid_code,
        "area_code": ev.area_code,
        "lat": ev.lat,
        "lng": ev.lng,
        "address": ev.address_text,
        "reported_at": ev.reported_at,
        "closed_at": ev.closed_at,
        "reports_count": ev.reports_count,
        "duplicate_of": ev.duplicate_of,
        "satisfaction": ev.satisfaction,
    }


class Candidate(BaseModel):
    matter_code: str
    confidence: float


class EventCreated(EventSummary):
    """The answer to an intake: `created` is false when (channel, external_id) was seen before."""

    created: bool
    candidates: list[Candidate] = []
    triage_reason: str | None = None


class ReporterPublic(BaseModel):
    """The reporter as this user may see them (masked unless the role needs them)."""

    name: str | None
    phone: str | None


class EventPublic(EventSummary):
    """One event as its handlers and the command centre see it."""

    parameters: dict[str, Any] | None
    assignee: str | None
    triage_reason: str | None
    confidence: float | None
    candidates: list[Candidate] | None
    returns_count: int
    rating_comment: str | None
    reporter: ReporterPublic
    allowed_actions: list[str] = []

    @classmethod
    def of_actor(cls, actor: Actor, ev: Event) -> EventPublic:
        return cls(**_public(actor, ev))


def _public(actor: Actor, ev: Event) -> dict[str, Any]:
    candidates = [Candidate.model_validate(c) for c in ev.candidates] if ev.candidates else None
    return {
        **_summary(ev),
        "parameters": dict(ev.parameters) if ev.parameters is not None else None,
        "assignee": ev.assignee,
        "triage_reason": ev.triage_reason,
        "confidence": ev.confidence,
        "candidates": candidates,
        "returns_count": ev.returns_count,
        "rating_comment": ev.rating_comment,
        "reporter": ReporterPublic(**reporter_view(actor, ev)),
        "allowed_actions": ev.allowed_actions,
    }


class TimelineEntryPublic(BaseModel):
    """A step of the event's timeline: a transition of the lifecycle, or an audit entry another
    capability (supervision, photos…) wrote on it."""

    kind: Literal["transition", "audit"]
    at: datetime
    action: str
    actor: str | None
    actor_role: str | None
    seq: int | None = None
    from_status: str | None = None
    to_status: str | None = None
    department_code: str | None = None
    level: str | None = None
    note: str | None = None
    detail: dict[str, Any] | None = None


class PhotoPublic(BaseModel):
    """A photo of an event and the URL of its file."""

    id: str
    content_type: str
    size: int
    created_at: datetime
    created_by: str | None
    url: str


class PhotoCreated(BaseModel):
    id: str
    content_type: str
    size: int


class EventDetailPublic(EventPublic):
    """One event with its timeline and photos. Other capabilities add their own keys
    (`deadlines`, `cards`, `similar_cases`…) through `register_detail_extension`."""

    model_config = ConfigDict(extra="allow")

    timeline: list[TimelineEntryPublic]
    photos: list[PhotoPublic]

    @classmethod
    def of_detail(cls, actor: Actor, d: Detail, photos: list[dict[str, Any]]) -> EventDetailPublic:
        extensions = {k: jsonable_encoder(v) for k, v in d.extensions.items()}
        return cls(**_public(actor, d.event), timeline=d.timeline, photos=photos, **extensions)


class CreatedId(BaseModel):
    """The id of what was created."""

    id: int


class ReturnVisitPublic(BaseModel):
    """A return visit (回访) task for a closed event nobody rated."""

    id: int
    event_id: str
    area_code: str
    created_at: datetime
    done_at: datetime | None
    done_by: str | None
    note: str | None


class ActionBody(BaseModel):
    """Body of `POST /events/{id}/actions/{action}`; which fields count depends on the action."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=2000, description="reason (return, reject, cancel, reopen, escalate)")
    reason: str | None = Field(None, max_length=2000, description="same as note")
    matter_code: str | None = Field(None, description="dispatch / reroute: the (corrected) matter")
    parameters: dict[str, Any] | None = None
    level: str | None = Field(None, description="reroute / escalate: grid | community | street | district")
    department_code: str | None = Field(None, description="dispatch / reroute: a concrete department")
    lat: float | None = None
    lng: float | None = None
    crs: str = "wgs84"
    assignee: str | None = Field(None, description="assign: the username")
    rating: int | None = Field(None, description="rate: 1-5")
    comment: str | None = Field(None, max_length=500)

    @property
    def text(self) -> str | None:
        return self.note or self.reason

    def to_route(self) -> Route:
        return Route(
            matter_code=self.matter_code,
            parameters=self.parameters,
            level=self.level,
            department_code=self.department_code,
            lat=self.lat,
            lng=self.lng,
            crs=self.crs,
        )


class EventPage(BaseModel):
    items: list[EventSummary]
    total: int
    page: int
    per_page: int


class FollowBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    adapter: str = Field("sms", description="sms | app_push | ...")
    contact: str = Field(min_length=1, max_length=120)
    event_id: str | None = None
    area_code: str | None = None


class DelegationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    matter_code: str
    area_code: str
    funding_note: str = Field(min_length=1)
    handbook_url: str = Field(min_length=1, max_length=300)
