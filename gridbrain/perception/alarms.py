"""Alarms (告警): raised and cleared by the rules, acknowledged and cleared by people; one open
alarm per device and rule (repeats update it). A configured rule opens an event in the hub
(channel IoT or video AI) through its public intake; clearing notes that event."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.core import audit, clock, ids
from gridbrain.core.auth import Actor, Role
from gridbrain.core.db import UnitOfWork, one_of
from gridbrain.core.errors import DomainError, Invalid, NotFound
from gridbrain.core.tables import users
from gridbrain.events import service as events
from gridbrain.perception.kinds import kinds
from gridbrain.perception.model import OPEN_ALARM, Alarm, AlarmStatus, Kind, Rule
from gridbrain.perception.rules import Change
from gridbrain.perception.signals import AlarmCleared, AlarmRaised
from gridbrain.perception.tables import alarms, devices

SYSTEM = Actor.system("perception")


@dataclass(frozen=True)
class Raise:
    """An alarm to open (or, if one is open for the device and rule, to repeat)."""

    device_code: str
    rule_code: str
    kind: str
    severity: str
    message: str
    at: datetime
    grid_code: str
    lat: float
    lng: float
    value: float | None = None
    matter: str | None = None
    channel: str = "iot"
    parameters: dict[str, Any] = field(default_factory=dict)
    recipient: str | None = None
    shop_uscc: str | None = None
    address: str | None = None
    times: int = 1  # how many readings of the batch it holds for (repeats)


def describe(rule: Rule, kind: Kind, value: float | None) -> str:
    """The alarm's text, in Chinese, from the rule and the value that broke it."""
    p = rule.params
    m = kind.measures.get(str(p.get("measure", "")))
    if rule.type == "threshold" and m is not None:
        limit = f"高于{p['above']}" if p.get("above") is not None else f"低于{p.get('below')}"
        return f"{m.name}{value:g}{m.unit}，{limit}{m.unit}"
    if rule.type == "rate" and m is not None:
        return f"{m.name}变化过快：每分钟{value or 0:.1f}{m.unit}"
    if rule.type == "combination":
        return "多项指标同时超限：" + "、".join(kind.measures[c["measure"]].name for c in p.get("all", []))
    if rule.type == "offline":
        return f"设备离线{value or 0:.0f}分钟"
    if rule.type == "inactivity":
        return f"独居老人家中{value or 0:.0f}小时无活动（墅智养关爱告警）"
    return rule.code


def _grid_workers(uow: UnitOfWork, grids: set[str]) -> dict[str, str]:
    if not grids:
        return {}
    rows = uow.execute(
        sa.select(users.c.area_code, users.c.username)
        .where(users.c.role == Role.GRID_WORKER, users.c.active, users.c.area_code.in_(sorted(grids)))
        .order_by(users.c.id)
    )
    out: dict[str, str] = {}
    for r in rows:
        out.setdefault(r.area_code, r.username)
    return out


def _raises_of(uow: UnitOfWork, fired: Sequence[Change], times: Mapping[tuple[str, str], int]) -> list[Raise]:
    codes = sorted({c.device_code for c in fired})
    rows = {
        r.code: r for r in uow.execute(sa.select(devices).where(one_of(devices.c.code, codes, postgres=uow.postgres)))
    }
    care_grids = {rows[c.device_code].grid_code for c in fired if c.rule.params.get("care")}
    workers = _grid_workers(uow, care_grids)
    out = []
    for c in fired:
        d = rows[c.device_code]
        kind = kinds().kinds[d.kind]
        care = bool(c.rule.params.get("care"))
        params: dict[str, Any] = {"living_alone": True, "urgent": True} if care else {}
        if c.rule.params.get("parameter") and c.value is not None:
            params[str(c.rule.params["parameter"])] = c.value
        out.append(
            Raise(
                device_code=d.code,
                rule_code=c.rule.code,
                kind=d.kind,
                severity=c.rule.severity,
                message=f"{kind.name}「{d.name}」{describe(c.rule, kind, c.value)}"[:300],
                at=datetime.fromtimestamp(c.at, UTC),
                grid_code=d.grid_code,
                lat=d.lat,
                lng=d.lng,
                value=c.value,
                matter=c.rule.matter,
                parameters=params,
                recipient=workers.get(d.grid_code) if care else None,
                address=d.address,
                times=times.get((d.code, c.rule.code), 1),
            )
        )
    return out


def apply(uow: UnitOfWork, changes: Sequence[Change], *, from_readings: bool) -> None:
    """Open, repeat or clear the alarms the rules' changes call for (the last change of a
    device and rule in the batch decides)."""
    last: dict[tuple[str, str], Change] = {}
    times: Counter[tuple[str, str]] = Counter()
    for c in changes:
        key = (c.device_code, c.rule.code)
        last[key] = c
        times[key] = times[key] + 1 if c.fired else 0
    fired = [c for c in last.values() if c.fired]
    recovered = [k for k, c in last.items() if not c.fired]
    if fired:
        raise_many(uow, _raises_of(uow, fired, times), repeat=from_readings)
    if recovered:
        clear_many(uow, recovered, by=SYSTEM, note="规则恢复正常，告警自动解除")
    _mark_offline(uow, [c for c in last.values() if c.rule.type == "offline"])


def _mark_offline(uow: UnitOfWork, changes: Sequence[Change]) -> None:
    """A device's registry status follows its offline rule (the map shows offline devices)."""
    for status, fired in (("offline", True), ("online", False)):
        codes = sorted({c.device_code for c in changes if c.fired is fired})
        if codes:
            uow.execute(
                devices.update().where(one_of(devices.c.code, codes, postgres=uow.postgres)).values(status=status)
            )


def _open_of(uow: UnitOfWork, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    codes = sorted({d for d, _ in keys})
    rows = uow.execute(
        sa.select(alarms).where(
            one_of(alarms.c.device_code, codes, postgres=uow.postgres), alarms.c.status.in_(OPEN_ALARM)
        )
    )
    wanted = set(keys)
    return {(r.device_code, r.rule_code): r for r in rows if (r.device_code, r.rule_code) in wanted}


def raise_many(uow: UnitOfWork, raises: Sequence[Raise], *, repeat: bool = True) -> list[str]:
    """Open an alarm per raise, or repeat the open one of its device and rule; new alarms of a
    rule with a matter open an event in the hub. Answers the alarms' ids in order."""
    open_ = _open_of(uow, [(r.device_code, r.rule_code) for r in raises])
    now = clock.now()
    ids_out, entries, new = [], [], []
    for r in raises:
        row = open_.get((r.device_code, r.rule_code))
        if row is not None:
            ids_out.append(row.id)
            if repeat:
                uow.execute(
                    alarms.update()
                    .where(alarms.c.id == row.id)
                    .values(repeats=alarms.c.repeats + r.times, value=r.value, updated_at=r.at)
                )
                entries.append(
                    audit.entry("perception:alarm:repeated", actor=SYSTEM, subject_id=row.id, area_code=r.grid_code)
                )
            continue
        alarm_id = ids.new_id("AL")
        ids_out.append(alarm_id)
        new.append((alarm_id, r))
    if new:
        uow.execute(alarms.insert(), [_row(a, r, now) for a, r in new])
        for a, r in new:
            entries.append(
                audit.entry(
                    "perception:alarm:raised",
                    actor=SYSTEM,
                    subject_id=a,
                    area_code=r.grid_code,
                    detail={
                        "device": r.device_code,
                        "rule": r.rule_code,
                        "severity": r.severity,
                        "recipient": r.recipient,
                    },
                )
            )
            uow.emit(AlarmRaised(a, r.device_code, r.rule_code, r.severity, r.grid_code, r.recipient, r.at))
        _open_events(uow, [(a, r) for a, r in new if r.matter])
    audit.record_many(uow, entries)
    return ids_out


def _row(alarm_id: str, r: Raise, now: datetime) -> dict[str, Any]:
    return {
        "id": alarm_id,
        "device_code": r.device_code,
        "rule_code": r.rule_code,
        "kind": r.kind,
        "severity": r.severity,
        "status": AlarmStatus.ACTIVE.value,
        "grid_code": r.grid_code,
        "lat": r.lat,
        "lng": r.lng,
        "message": r.message,
        "value": r.value,
        "repeats": r.times,
        "opened_at": r.at,
        "updated_at": r.at,
        "recipient": r.recipient,
        "shop_uscc": r.shop_uscc,
    }


def _open_events(uow: UnitOfWork, new: Sequence[tuple[str, Raise]]) -> None:
    """One event in the hub per new alarm of a configured rule, idempotent by the alarm id."""
    if not new:
        return
    reports = [
        (
            SYSTEM,
            events.Report(
                channel=r.channel,
                text=r.message,
                external_id=a,
                lat=r.lat,
                lng=r.lng,
                address=r.address,
                matter_code=r.matter,
                parameters=r.parameters or None,
                reporter_contact=r.device_code,
            ),
        )
        for a, r in new
    ]
    for (a, _r), got in zip(new, events.report_many(uow, reports), strict=True):
        if isinstance(got, DomainError):
            note = f"未能生成事件：{got.message}"[:300]
            uow.execute(alarms.update().where(alarms.c.id == a).values(note=note))
            continue
        uow.execute(alarms.update().where(alarms.c.id == a).values(event_id=got.event["id"]))


def clear_many(uow: UnitOfWork, keys: Sequence[tuple[str, str]], *, by: Actor, note: str) -> list[str]:
    """Clear the open alarms of these (device, rule) pairs; answers the ids cleared."""
    open_ = _open_of(uow, keys)
    return [_clear(uow, row, by=by, note=note) for row in open_.values()]


def _alarm(row: Any) -> Alarm:
    return Alarm(
        id=row.id,
        device_code=row.device_code,
        rule_code=row.rule_code,
        severity=row.severity,
        status=AlarmStatus(row.status),
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        repeats=row.repeats,
        value=row.value,
        event_id=row.event_id,
        acknowledged_by=row.acknowledged_by,
        cleared_by=row.cleared_by,
        cleared_at=row.cleared_at,
        note=row.note,
    )


def _clear(uow: UnitOfWork, row: Any, *, by: Actor, note: str) -> str:
    now = clock.now()
    a = _alarm(row).clear(by=by.username, at=now, note=note)
    uow.execute(
        alarms.update()
        .where(alarms.c.id == a.id)
        .values(status=a.status.value, cleared_by=a.cleared_by, cleared_at=now, updated_at=now, note=note[:300])
    )
    audit.record(
        uow, "perception:alarm:cleared", actor=by, subject_id=a.id, area_code=row.grid_code, detail={"note": note}
    )
    if row.event_id is not None:
        # the hub has no note of its own yet: the note lands in the event's audit trail and in
        # its detail (`alarms`, through the detail extension wired in wiring.py)
        audit.record(
            uow,
            "perception:event:noted",
            actor=by,
            subject_id=row.event_id,
            area_code=row.grid_code,
            detail={"alarm_id": a.id, "note": f"告警已解除：{note}"},
        )
    uow.emit(AlarmCleared(a.id, row.device_code, row.rule_code, row.event_id, by.username, now))
    return a.id


# --- people's moves and reads --------------------------------------------------------------------


def _load(uow: UnitOfWork, actor: Actor, alarm_id: str) -> Any:
    row = uow.execute(sa.select(alarms).where(alarms.c.id == alarm_id)).first()
    if row is None or not actor.scope.covers(row.grid_code):
        raise NotFound(f"alarm {alarm_id} not found", field="alarm_id")
    return row


def acknowledge(uow: UnitOfWork, actor: Actor, alarm_id: str) -> Any:
    """Someone in the alarm's area takes it on (确认)."""
    row = _load(uow, actor, alarm_id)
    now = clock.now()
    a = _alarm(row).acknowledge(by=actor.username, at=now)
    uow.execute(
        alarms.update()
        .where(alarms.c.id == a.id)
        .values(status=a.status.value, acknowledged_by=actor.username, acknowledged_at=now, updated_at=now)
    )
    audit.record(uow, "perception:alarm:acknowledged", actor=actor, subject_id=a.id, area_code=row.grid_code)
    return _load(uow, actor, alarm_id)


def clear(uow: UnitOfWork, actor: Actor, alarm_id: str, *, note: str) -> Any:
    """Someone clears the alarm by hand, saying why."""
    if not note.strip():
        raise Invalid("note", "required", "note is required to clear an alarm")
    _clear(uow, _load(uow, actor, alarm_id), by=actor, note=note.strip())
    return _load(uow, actor, alarm_id)


def list_alarms(
    uow: UnitOfWork,
    actor: Actor,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Any]]:
    """Alarms in the actor's area, newest first."""
    where = [actor.scope.where(alarms.c.grid_code)]
    if status is not None:
        if status not in {s.value for s in AlarmStatus}:
            raise Invalid("status", f"one of {', '.join(s.value for s in AlarmStatus)}")
        where.append(alarms.c.status == status)
    if kind is not None:
        where.append(alarms.c.kind == kind)
    total = uow.execute(sa.select(sa.func.count()).select_from(alarms).where(*where)).scalar_one()
    rows = uow.execute(sa.select(alarms).where(*where).order_by(alarms.c.opened_at.desc()).limit(limit).offset(offset))
    return int(total), list(rows)


def of_event(uow: UnitOfWork, actor: Actor, event_id: str) -> list[dict[str, Any]]:
    """The alarms behind an event (the event detail's `alarms`), with their clearing notes."""
    rows = uow.execute(sa.select(alarms).where(alarms.c.event_id == event_id).order_by(alarms.c.opened_at))
    return [
        {
            "id": r.id,
            "device_code": r.device_code,
            "rule_code": r.rule_code,
            "status": r.status,
            "repeats": r.repeats,
            "cleared_at": r.cleared_at,
            "note": r.note,
        }
        for r in rows
    ]
