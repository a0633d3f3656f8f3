"""Video-AI detections (视频AI): camera algorithms report what they saw (garbage pile, street
vending, out-of-shop operation, illegal parking…). Below the confidence threshold a detection is
ignored (kept, counted); repeats of one class at one camera within the merge window update one
alarm; a new one opens an event in the hub (channel video AI), linked to the shop in front of
the camera where one is registered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.perception import alarms
from gridbrain.perception.kinds import kinds
from gridbrain.perception.model import OPEN_ALARM
from gridbrain.perception.tables import alarms as alarms_table
from gridbrain.perception.tables import detections, devices
from gridbrain.registry.tables import enterprises


@dataclass(frozen=True)
class Detection:
    camera_code: str
    klass: str
    confidence: float
    detected_at: Any  # an aware datetime
    snapshot_url: str | None = None


@dataclass(frozen=True)
class Result:
    outcome: str  # ignored | opened | merged
    alarm_id: str | None
    event_id: str | None
    shop_uscc: str | None


def _shop(uow: UnitOfWork, camera: Any) -> Any | None:
    """The shop in front of the camera: the one registered on it, else the enterprise operating
    at the camera's address."""
    q = sa.select(enterprises.c.uscc, enterprises.c.name, enterprises.c.operating_address)
    if camera.faces_uscc:
        return uow.execute(q.where(enterprises.c.uscc == camera.faces_uscc)).first()
    if camera.address_code:
        return uow.execute(
            q.where(enterprises.c.operating_address_code == camera.address_code).order_by(enterprises.c.uscc).limit(1)
        ).first()
    return None


def _check(d: Detection) -> None:
    if d.klass not in kinds().detection_classes:
        raise Invalid("class", f"one of {', '.join(sorted(kinds().detection_classes))}")
    if not 0 <= d.confidence <= 1:
        raise Invalid("confidence", "between 0 and 1")
    if d.detected_at > clock.now() + timedelta(minutes=2):
        raise Invalid("detected_at", "not in the future")


def _open_or_merge(uow: UnitOfWork, camera: Any, d: Detection) -> Result:
    """Repeat the camera's open alarm of this class within the window, else open a new one."""
    k = kinds()
    cls = k.detection_classes[d.klass]
    rule_code = f"ai_{d.klass}"
    open_ = uow.execute(
        sa.select(alarms_table).where(
            alarms_table.c.device_code == camera.code,
            alarms_table.c.rule_code == rule_code,
            alarms_table.c.status.in_(OPEN_ALARM),
        )
    ).first()
    if open_ is not None and d.detected_at - open_.updated_at > timedelta(minutes=k.merge_minutes):
        alarms.clear_many(uow, [(camera.code, rule_code)], by=alarms.SYSTEM, note="合并窗口期内未再识别到，告警解除")
        open_ = None
    shop = _shop(uow, camera)
    text = f"视频AI识别：{cls.name}（{camera.name}，置信度{d.confidence:.0%}）"
    if shop is not None:
        text += f"，门前商铺：{shop.name}"
    raise_ = alarms.Raise(
        device_code=camera.code,
        rule_code=rule_code,
        kind="camera",
        severity=cls.severity,
        message=text[:300],
        at=d.detected_at,
        grid_code=camera.grid_code,
        lat=camera.lat,
        lng=camera.lng,
        value=d.confidence,
        matter=cls.matter,
        channel="video_ai",
        shop_uscc=shop.uscc if shop is not None else None,
        address=(shop.operating_address if shop is not None else None) or camera.address,
    )
    (alarm_id,) = alarms.raise_many(uow, [raise_])
    event_id = uow.execute(sa.select(alarms_table.c.event_id).where(alarms_table.c.id == alarm_id)).scalar()
    return Result("merged" if open_ is not None else "opened", alarm_id, event_id, raise_.shop_uscc)


def detect(uow: UnitOfWork, actor: Actor, d: Detection) -> Result:
    """Take one detection: ignore, merge or open (an alarm, and an event for a mapped class)."""
    _check(d)
    camera = uow.execute(sa.select(devices).where(devices.c.code == d.camera_code)).first()
    if camera is None or camera.kind != "camera" or not actor.scope.covers(camera.grid_code):
        raise NotFound(f"camera {d.camera_code} not found", field="camera")
    result = Result("ignored", None, None, None)
    if d.confidence >= kinds().min_confidence:
        result = _open_or_merge(uow, camera, d)
    outcome, alarm_id = result.outcome, result.alarm_id
    uow.execute(
        detections.insert().values(
            camera_code=camera.code,
            **{"class": d.klass},
            confidence=d.confidence,
            snapshot_url=d.snapshot_url,
            detected_at=d.detected_at,
            received_at=clock.now(),
            outcome=outcome,
            alarm_id=alarm_id,
        )
    )
    audit.record(
        uow,
        f"perception:detection:{outcome}",
        actor=actor,
        subject_id=alarm_id or camera.code,
        area_code=camera.grid_code,
        detail={"class": d.klass, "confidence": d.confidence, "camera": camera.code},
    )
    return result
