"""Open311 GeoReport v2 on top of the event hub: services are matters, requests are events.

Everything here follows the specification (http://wiki.open311.org/GeoReport_v2). What goes
beyond it is marked as an extension: the `extensions=true` query parameter adds
`extended_attributes` (our detailed status, level, department) to requests; a client may send
`external_id` for idempotent retries; and `POST requests/{id}/rating` records satisfaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.areas.tables import departments
from gridbrain.catalog.model import Matter, ParamType
from gridbrain.config import get_settings
from gridbrain.core import audit, clock, masking
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Invalid, MissingField, NotFound, Unauthenticated
from gridbrain.core.levels import Level
from gridbrain.events import intake as service
from gridbrain.events.actions import rate
from gridbrain.events.intake import CHANNELS, Report
from gridbrain.events.matters import catalog
from gridbrain.events.model import Status
from gridbrain.events.open311.schemas import (
    AttributePublic,
    ExtendedAttributesPublic,
    RatingPublic,
    RequestCreatedPublic,
    ServiceDefinitionPublic,
    ServicePublic,
    ServiceRequestPublic,
    TokenPublic,
)
from gridbrain.events.tables import event_transitions, events, open311_keys

CLIENT_ROLE = "open311_client"
MAX_REQUESTS = 200  # per call: a public read of the whole district takes paging by date, not one call
DEFAULT_WINDOW = timedelta(days=90)  # the spec's default date range


# --- api keys ------------------------------------------------------------------------------------


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(uow: UnitOfWork, actor: Actor, name: str, *, channel: str = "app") -> str:
    """A new API key for a client system; only its hash is stored."""
    if not name or len(name) > 64:
        raise Invalid("name", "1-64 characters")
    if channel not in CHANNELS:
        raise Invalid("channel", f"one of {', '.join(CHANNELS)}")
    if uow.execute(sa.select(open311_keys.c.id).where(open311_keys.c.name == name)).first():
        raise Conflict(f"an Open311 client named {name} exists", field="name", rule="unique")
    key = "o311_" + secrets.token_urlsafe(24)
    uow.execute(open311_keys.insert().values(name=name, key_hash=_hash(key), channel=channel, created_at=clock.now()))
    audit.record(uow, "events:api_key:created", actor=actor, subject_id=name, detail={"channel": channel})
    return key


def client_for(uow: UnitOfWork, api_key: str | None) -> tuple[Actor, str]:
    """The client system behind an API key, as an actor, and the channel its requests come in by."""
    if not api_key:
        raise Unauthenticated("api_key is required")
    row = uow.execute(
        sa.select(open311_keys).where(open311_keys.c.key_hash == _hash(api_key), open311_keys.c.revoked_at.is_(None))
    ).first()
    if row is None:
        raise Unauthenticated("api_key is not valid")
    return Actor(username=f"open311:{row.name}", role=CLIENT_ROLE, display_name=row.name), row.channel


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    if jurisdiction_id and jurisdiction_id != get_settings().district_code:
        raise NotFound(f"jurisdiction_id {jurisdiction_id} is not served here", field="jurisdiction_id")


# --- services ------------------------------------------------------------------------------------


def service_summary(m: Matter) -> ServicePublic:
    return ServicePublic(
        service_code=m.code,
        service_name=m.name,
        description=" / ".join(m.class_path),
        metadata=bool(m.parameters),
        type="realtime",
        keywords=",".join(m.class_path),
        group=m.class_path[0],
    )


def list_services() -> list[ServicePublic]:
    return [service_summary(m) for m in catalog()]


_DATATYPE = {
    ParamType.NUMBER: "number",
    ParamType.INTEGER: "number",
    ParamType.TEXT: "string",
    ParamType.CHOICE: "singlevaluelist",
    ParamType.BOOLEAN: "singlevaluelist",
}


def service_definition(code: str) -> ServiceDefinitionPublic:
    """A matter's parameters as Open311 attributes."""
    cat = catalog()
    if code not in cat:
        raise NotFound(f"service_code {code} not found", field="service_code")
    m = cat.get(code)
    attributes = []
    for i, p in enumerate(m.parameters, start=1):
        a: dict[str, Any] = {
            "variable": True,
            "code": p.code,
            "datatype": _DATATYPE[p.type],
            "required": p.required,
            "datatype_description": _describe(p),
            "order": i,
            "description": p.name,
        }
        if p.type is ParamType.CHOICE:
            a["values"] = [{"key": c, "name": c} for c in p.choices]
        elif p.type is ParamType.BOOLEAN:
            a["values"] = [{"key": "true", "name": "是"}, {"key": "false", "name": "否"}]
        attributes.append(AttributePublic.model_validate(a))
    return ServiceDefinitionPublic(service_code=m.code, attributes=attributes)


def _describe(p: Any) -> str:
    parts = []
    if p.minimum is not None:
        parts.append(f">= {p.minimum:g}")
    if p.maximum is not None:
        parts.append(f"<= {p.maximum:g}")
    if p.type is ParamType.INTEGER:
        parts.append("whole number")
    return ", ".join(parts)


# --- requests ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientReport:
    """A service request as `api.py` parsed it from the form: the client's key and the report
    (its channel is the key's, filled in here)."""

    api_key: str | None
    jurisdiction_id: str | None
    account_id: str | None
    address_id: str | None
    report: Report


def post_request(uow: UnitOfWork, posted: ClientReport) -> RequestCreatedPublic:
    """POST requests: a resident's report from a client system."""
    actor, channel = client_for(uow, posted.api_key)
    check_jurisdiction(posted.jurisdiction_id)
    r = posted.report
    code = (r.matter_code or "").strip()
    if not code:
        raise MissingField("service_code")
    if code not in catalog():
        raise NotFound(f"service_code {code} not found", field="service_code")
    if r.lat is None and r.lng is None and not r.address and not posted.address_id:
        raise Invalid("lat", "location", "a location is required: lat & long, address_string or address_id")
    report = replace(
        r,
        channel=channel,
        text=r.text or catalog().get(code).name,
        address=r.address or posted.address_id,
    )
    ev = service.report(uow, actor, report).event
    return RequestCreatedPublic(
        service_request_id=ev["id"], service_notice=_notice(uow, ev), account_id=posted.account_id
    )


def _notice(uow: UnitOfWork, ev: dict[str, Any]) -> str:
    if ev.get("duplicate_of"):
        return f"已并入正在办理的事件 {ev['duplicate_of']}"
    if ev["status"] == Status.TRIAGE:
        return "已受理，正在分拣"
    return f"已派至{_agency(uow, ev) or '责任单位'}"


def _agency(uow: UnitOfWork, ev: dict[str, Any]) -> str | None:
    code = ev.get("department_code")
    if not code:
        return None
    if ev.get("level") == Level.GRID:
        return "网格员"
    row = uow.execute(sa.select(departments.c.name).where(departments.c.code == code)).first()
    return str(row.name) if row else code


def _iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    return clock.local(clock.aware(at, naive_as=UTC)).isoformat(timespec="seconds")


def _status_notes(uow: UnitOfWork, ev: dict[str, Any]) -> str | None:
    if ev["status"] not in (Status.CLOSED, Status.CANCELLED):
        return None
    row = uow.execute(
        sa.select(event_transitions.c.note)
        .where(event_transitions.c.event_id == ev["id"], event_transitions.c.to_status == ev["status"])
        .order_by(event_transitions.c.seq.desc())
        .limit(1)
    ).first()
    return row.note if row else None


def _public_coordinate(value: float | None) -> float | None:
    # about 100 m: enough to find the problem on a map, not a resident's door
    return None if value is None else round(value, 3)


def request_view(uow: UnitOfWork, ev: dict[str, Any], *, extensions: bool = False) -> ServiceRequestPublic:
    """An event as an Open311 service request: never the reporter's personal details."""
    cat = catalog()
    code = ev.get("matter_code")
    out = ServiceRequestPublic(
        service_request_id=ev["id"],
        status="closed" if ev["status"] in (Status.CLOSED, Status.CANCELLED) else "open",
        status_notes=_status_notes(uow, ev),
        service_name=cat.get(code).name if code and code in cat else None,
        service_code=code,
        description=masking.mask_free_text(ev["text"]),
        agency_responsible=_agency(uow, ev),
        service_notice=None,
        requested_datetime=_iso(ev["reported_at"]),
        updated_datetime=_iso(ev.get("updated_at") or ev["reported_at"]),
        expected_datetime=None,
        address=masking.mask_free_text(ev.get("address_text")),
        address_id=ev.get("address_code"),
        zipcode=None,
        lat=_public_coordinate(ev.get("lat")),
        long=_public_coordinate(ev.get("lng")),
        media_url=ev.get("media_url"),
    )
    if extensions:  # extension: beyond GeoReport v2
        out.extended_attributes = ExtendedAttributesPublic(
            detailed_status=ev["status"],
            level=ev.get("level"),
            grid_code=ev.get("grid_code"),
            reports_count=ev.get("reports_count") or 1,
            duplicate_of=ev.get("duplicate_of"),
            satisfaction=ev.get("satisfaction"),
        )
    return out


def _parse_date(raw: str | None, field: str) -> datetime | None:
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(field, "w3 datetime", f"{field} must be an ISO 8601 date-time") from None
    return clock.aware(at)


def get_requests(uow: UnitOfWork, query: dict[str, str]) -> list[ServiceRequestPublic]:
    """GET requests: by ids, or by service_code / status / date range (default the last 90 days,
    at most 1000 requests)."""
    check_jurisdiction(query.get("jurisdiction_id"))
    extensions = (query.get("extensions") or "").lower() in ("1", "true")
    conds: list[Any] = []
    ids = [i.strip() for i in (query.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        conds.append(events.c.id.in_(ids[:MAX_REQUESTS]))
    else:
        start = _parse_date(query.get("start_date"), "start_date")
        end = _parse_date(query.get("end_date"), "end_date")
        if start is None and end is None:
            start = clock.now() - DEFAULT_WINDOW
        elif start is None and end is not None:
            start = end - DEFAULT_WINDOW
        if start is not None:
            conds.append(events.c.reported_at >= start)
        if end is not None:
            conds.append(events.c.reported_at <= end)
        codes = [c.strip() for c in (query.get("service_code") or "").split(",") if c.strip()]
        if codes:
            conds.append(events.c.matter_code.in_(codes))
        status = (query.get("status") or "").strip()
        if status:
            wanted = {s.strip() for s in status.split(",")}
            if not wanted <= {"open", "closed"}:
                raise Invalid("status", "open or closed")
            closed = [Status.CLOSED.value, Status.CANCELLED.value]
            if wanted == {"open"}:
                conds.append(events.c.status.not_in(closed))
            elif wanted == {"closed"}:
                conds.append(events.c.status.in_(closed))
    rows = uow.execute(sa.select(events).where(*conds).order_by(events.c.reported_at.desc()).limit(MAX_REQUESTS)).all()
    return [request_view(uow, dict(r._mapping), extensions=extensions) for r in rows]


def get_request(uow: UnitOfWork, request_id: str, query: dict[str, str]) -> list[ServiceRequestPublic]:
    check_jurisdiction(query.get("jurisdiction_id"))
    row = uow.execute(sa.select(events).where(events.c.id == request_id)).first()
    if row is None:
        raise NotFound(f"service_request_id {request_id} not found", field="service_request_id")
    extensions = (query.get("extensions") or "").lower() in ("1", "true")
    return [request_view(uow, dict(row._mapping), extensions=extensions)]


def get_token(uow: UnitOfWork, token: str, query: dict[str, str]) -> list[TokenPublic]:
    """Requests are created synchronously: the token is the service_request_id itself."""
    check_jurisdiction(query.get("jurisdiction_id"))
    row = uow.execute(sa.select(events.c.id).where(events.c.id == token)).first()
    if row is None:
        raise NotFound(f"token {token} not found", field="token")
    return [TokenPublic(service_request_id=row.id, token=token)]


def rate_request(
    uow: UnitOfWork, request_id: str, *, api_key: str | None, rating: int, comment: str | None
) -> RatingPublic:
    """Extension: the resident's satisfaction (1–5, comment), sent by the client that posted it."""
    actor, _ = client_for(uow, api_key)
    ev = rate(uow, actor, request_id, rating=rating, comment=comment)
    return RatingPublic(service_request_id=ev.id, satisfaction=ev.satisfaction)
