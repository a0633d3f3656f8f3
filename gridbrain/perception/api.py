"""HTTP API of the perception network (采录感知中台): devices, readings (HTTP batch intake,
series, rejections), alarms, video-AI detections, kinds and rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from gridbrain.core import clock
from gridbrain.core.auth import Actor, Role
from gridbrain.core.web import CurrentUser, UowDep, for_clients, require_role
from gridbrain.perception import alarms, detections, devices, intake, overrides, queries
from gridbrain.perception.intake import Incoming
from gridbrain.perception.kinds import kinds
from gridbrain.perception.model import Rule
from gridbrain.perception.schemas import (
    AlarmPage,
    AlarmPublic,
    ClearBody,
    DetectionIn,
    DetectionResult,
    DeviceCreate,
    DeviceFeature,
    DeviceLayer,
    DevicePage,
    DeviceProperties,
    DevicePublic,
    ItemPublic,
    KindPublic,
    MeasurePublic,
    PointGeometry,
    PointPublic,
    ReadingsIn,
    ReadingsResult,
    Rejections,
    RuleIn,
    RulePublic,
    Series,
    StatPublic,
)

router = APIRouter(prefix="/api/v1", tags=["perception"])

# systems feeding readings and detections, and the people who run them
Feeder = Annotated[
    Actor, require_role(Role.DISTRICT_OPERATOR, Role.STREET_OPERATOR, Role.DATA_STEWARD, Role.OPEN311_CLIENT)
]
Operator = Annotated[Actor, require_role(Role.DISTRICT_OPERATOR, Role.DATA_STEWARD)]
Page = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/devices", response_model=DevicePage)
def list_devices(
    user: CurrentUser,
    uow: UowDep,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    area: Annotated[str | None, Query(max_length=15, description="a division or grid code")] = None,
    limit: Page = 100,
    offset: Offset = 0,
) -> DevicePage:
    """Devices in the user's area (of a kind, inside an area); watched persons masked."""
    total, items = devices.list_devices(uow, user, kind=kind, area=area, limit=limit, offset=offset)
    return DevicePage(total=total, items=[DevicePublic.of(d) for d in items])


@router.get("/perception/map", response_model=DeviceLayer)
def device_map(
    user: CurrentUser,
    uow: UowDep,
    area: Annotated[str | None, Query(max_length=15)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    alarmed: Annotated[bool, Query(description="only devices offline or with an open alarm")] = False,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 20_000,
) -> DeviceLayer:
    """The cockpit's map layer (GeoJSON): devices with their status and most severe open alarm."""
    rows = devices.layer(uow, user, area=area, kind=kind, only_alarmed=alarmed, limit=limit)
    return DeviceLayer(
        features=[
            DeviceFeature(
                geometry=PointGeometry(coordinates=(r.lng, r.lat)),
                properties=DeviceProperties(code=r.code, kind=r.kind, name=r.name, status=r.status, alarm=worst),
            )
            for r, worst in rows
        ]
    )


@router.post("/devices", response_model=DevicePublic, status_code=201)
def register_device(body: DeviceCreate, user: Operator, uow: UowDep) -> DevicePublic:
    """Register a sensing device (感知设备)."""
    d = devices.register(uow, user, devices.NewDevice(**body.model_dump()))
    uow.commit()
    return DevicePublic.of(d)


@router.get("/devices/{device_id}/readings", response_model=Series)
def device_readings(
    device_id: str,
    user: CurrentUser,
    uow: UowDep,
    start: Annotated[datetime | None, Query(alias="from", description="ISO time; default 24 h before `to`")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="ISO time; default now")] = None,
    step: Annotated[str, Query(description="raw | hour | day")] = "raw",
) -> Series:
    """A device's readings, raw or as hourly/daily aggregates (n, avg, min, max per measure)."""
    points = queries.series(uow, user, device_id, start=start, end=end, step=step)
    return Series(
        device_id=device_id,
        step=step,
        points=[
            PointPublic(ts=p.ts, values=p.values, stats={m: StatPublic(**s.__dict__) for m, s in p.stats.items()})
            for p in points
        ],
    )


@router.post("/readings", response_model=ReadingsResult)
@for_clients
def post_readings(body: ReadingsIn, user: Feeder, uow: UowDep) -> ReadingsResult:
    """HTTP batch intake: each reading stored or rejected by reason (GET /readings/rejections)."""
    out = intake.ingest(uow, [Incoming("http", r if isinstance(r, dict) else {"_": r}) for r in body.readings])
    uow.commit()
    return ReadingsResult(
        stored=out.stored,
        rejected=dict(out.rejected),
        items=[ItemPublic(index=i.index, stored=i.stored, reason=i.reason, detail=i.detail) for i in out.items],
    )


@router.get("/readings/rejections", response_model=Rejections)
def readings_rejections(
    user: Operator,
    uow: UowDep,
    reason: Annotated[str | None, Query(max_length=32)] = None,
    samples: Annotated[int, Query(ge=0, le=200)] = 20,
) -> Rejections:
    """Rejected readings counted by reason, with the newest samples as received."""
    return Rejections.model_validate(queries.rejections(uow, reason=reason, samples=samples))


@router.get("/alarms", response_model=AlarmPage)
def list_alarms(
    user: CurrentUser,
    uow: UowDep,
    status: Annotated[str | None, Query(description="active | acknowledged | cleared")] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    limit: Page = 100,
    offset: Offset = 0,
) -> AlarmPage:
    """Alarms in the user's area, newest first."""
    total, rows = alarms.list_alarms(uow, user, status=status, kind=kind, limit=limit, offset=offset)
    return AlarmPage(total=total, items=[AlarmPublic.model_validate(r) for r in rows])


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmPublic)
def acknowledge_alarm(alarm_id: str, user: CurrentUser, uow: UowDep) -> AlarmPublic:
    """Take an active alarm on (确认)."""
    row = alarms.acknowledge(uow, user, alarm_id)
    uow.commit()
    return AlarmPublic.model_validate(row)


@router.post("/alarms/{alarm_id}/clear", response_model=AlarmPublic)
def clear_alarm(alarm_id: str, body: ClearBody, user: CurrentUser, uow: UowDep) -> AlarmPublic:
    """Clear an alarm by hand, saying why; its event (if any) is noted."""
    row = alarms.clear(uow, user, alarm_id, note=body.note)
    uow.commit()
    return AlarmPublic.model_validate(row)


@router.post("/detections", response_model=DetectionResult)
@for_clients
def post_detection(body: DetectionIn, user: Feeder, uow: UowDep) -> DetectionResult:
    """A video-AI detection: ignored below the threshold, merged with repeats, else an event."""
    at = clock.aware(body.detected_at) if body.detected_at is not None else clock.now()
    d = detections.Detection(body.camera, body.klass, body.confidence, at, body.snapshot_url)
    out = detections.detect(uow, user, d)
    uow.commit()
    return DetectionResult(**out.__dict__)


def _rule(r: Rule) -> RulePublic:
    return RulePublic(
        code=r.code, type=r.type, severity=r.severity, matter=r.matter, enabled=r.enabled, params=dict(r.params)
    )


@router.get("/perception/kinds", response_model=list[KindPublic])
def list_kinds(user: CurrentUser, uow: UowDep) -> list[KindPublic]:
    """The device kinds with their measures, ranges and the rules in force (overrides applied)."""
    book = intake.rulebook(uow)
    return [
        KindPublic(
            code=k.code,
            name=k.name,
            interval_s=k.interval_s,
            measures=[
                MeasurePublic(code=m.code, name=m.name, unit=m.unit, min=m.low, max=m.high) for m in k.measures.values()
            ],
            rules=[_rule(r) for r in book.rules_for(k.code, "")],
        )
        for k in kinds().kinds.values()
    ]


@router.put("/perception/rules/{kind}/{rule_code}", response_model=RulePublic)
def set_rule(kind: str, rule_code: str, body: RuleIn, user: Operator, uow: UowDep) -> RulePublic:
    """Change a rule for a kind or one device; consumers apply it from their next batch."""
    r = overrides.set_rule(
        uow, user, kind, rule_code, params=body.params, enabled=body.enabled, device_code=body.device_code
    )
    uow.commit()
    return _rule(r)
