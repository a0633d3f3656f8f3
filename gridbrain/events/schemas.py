"""Request and response shapes of the native event API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gridbrain.core.auth import Actor
from gridbrain.events import service


class Reporter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=20)
    contact: str | None = Field(None, max_length=120, description="e-mail, app account or device id")


class EventCreate(BaseModel):
    """A problem reported on any channel. Location: `lat`/`lng` (with `crs`) or `address`."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(description="hotline_12345 | app | patrol | department | iot | video_ai | system")
    external_id: str | None = Field(None, max_length=64, description="the channel's own id (idempotency key)")
    text: str = Field(min_length=1, max_length=4000)
    lat: float | None = None
    lng: float | None = None
    crs: str = "wgs84"
    address: str | None = Field(None, max_length=200)
    matter_code: str | None = None
    parameters: dict[str, Any] | None = None
    nature: str | None = None
    reporter: Reporter | None = None
    media_url: str | None = Field(None, max_length=500)

    def to_report(self) -> service.Report:
        rep = self.reporter or Reporter()
        return service.Report(
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


class EventSummary(BaseModel):
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

    @classmethod
    def of(cls, ev: dict[str, Any]) -> EventSummary:
        return cls(**_summary(ev))


def _summary(ev: dict[str, Any]) -> dict[str, Any]:
    code = ev.get("matter_code")
    matter = None
    if code:
        cat = service.catalog()
        name = cat.get(code).name if code in cat else code
        matter = MatterRef(code=code, name=name)
    return {
        "id": ev["id"],
        "status": ev["status"],
        "channel": ev["channel"],
        "external_id": ev.get("external_id"),
        "text": ev["text"],
        "matter": matter,
        "nature": ev.get("nature"),
        "level": ev.get("level"),
        "department": ev.get("department_code"),
        "grid_code": ev.get("grid_code"),
        "area_code": ev["area_code"],
        "lat": ev.get("lat"),
        "lng": ev.get("lng"),
        "address": ev.get("address_text"),
        "reported_at": ev["reported_at"],
        "closed_at": ev.get("closed_at"),
        "reports_count": ev.get("reports_count") or 1,
        "duplicate_of": ev.get("duplicate_of"),
        "satisfaction": ev.get("satisfaction"),
    }


class Candidate(BaseModel):
    matter_code: str
    confidence: float


class EventCreated(EventSummary):
    """The answer to an intake: `created` is false when (channel, external_id) was seen before."""

    created: bool
    candidates: list[Candidate] = []
    triage_reason: str | None = None


class EventPublic(EventSummary):
    parameters: dict[str, Any] | None
    assignee: str | None
    triage_reason: str | None
    confidence: float | None
    candidates: list[Candidate] | None
    returns_count: int
    rating_comment: str | None
    reporter: dict[str, str | None]
    allowed_actions: list[str] = []

    @classmethod
    def of_actor(cls, actor: Actor, ev: dict[str, Any]) -> EventPublic:
        return cls(
            **_summary(ev),
            parameters=ev.get("parameters"),
            assignee=ev.get("assignee"),
            triage_reason=ev.get("triage_reason"),
            confidence=ev.get("confidence"),
            candidates=ev.get("candidates"),
            returns_count=ev.get("returns_count") or 0,
            rating_comment=ev.get("rating_comment"),
            reporter=service.reporter_view(actor, ev),
            allowed_actions=ev.get("allowed_actions") or [],
        )


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
