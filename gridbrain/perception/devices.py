"""The device registry (感知设备台账): register, list (scoped, masked), and the lookup admission uses."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from gridbrain.core import audit, masking
from gridbrain.core.auth import Actor
from gridbrain.core.codes import AreaLevel, CodeError, area_level
from gridbrain.core.db import UnitOfWork, one_of
from gridbrain.core.errors import Conflict, Invalid, NotFound
from gridbrain.perception.kinds import kinds
from gridbrain.perception.model import DeviceRef
from gridbrain.perception.tables import device_states, devices


@dataclass(frozen=True)
class NewDevice:
    code: str
    kind: str
    name: str
    grid_code: str
    lat: float
    lng: float
    address: str | None = None
    address_code: str | None = None
    owner_department: str | None = None
    watched_person_id: str | None = None
    faces_uscc: str | None = None
    installed_on: date | None = None


@dataclass(frozen=True)
class Device:
    code: str
    kind: str
    kind_name: str
    name: str
    grid_code: str
    lat: float
    lng: float
    status: str
    address: str | None
    owner_department: str | None
    watched_person_id: str | None  # masked unless the role needs it
    faces_uscc: str | None
    last_seen_at: Any | None


def register(uow: UnitOfWork, actor: Actor, d: NewDevice) -> Device:
    """Register a device in the actor's area; its kind must be one of the kinds file."""
    kinds().get(d.kind)
    if not 1 <= len(d.code) <= 32:
        raise Invalid("code", "1-32 characters")
    try:
        if area_level(d.grid_code) != AreaLevel.GRID:
            raise Invalid("grid_code", "a grid code (15 digits)")
    except CodeError as e:
        raise Invalid("grid_code", str(e)) from e
    actor.scope.require(d.grid_code, "grid")
    if not (-90 <= d.lat <= 90 and -180 <= d.lng <= 180):
        raise Invalid("lat", "a WGS-84 point")
    if uow.execute(sa.select(devices.c.code).where(devices.c.code == d.code)).first():
        raise Conflict(f"device {d.code} already exists", field="code", rule="unique")
    uow.execute(devices.insert().values(**d.__dict__, status="online"))
    audit.record(uow, "perception:device:registered", actor=actor, subject_id=d.code, area_code=d.grid_code)
    cache.forget(d.code)
    return get(uow, actor, d.code)


def _public(actor: Actor, row: Any) -> Device:
    return Device(
        code=row.code,
        kind=row.kind,
        kind_name=kinds().kinds[row.kind].name if row.kind in kinds().kinds else row.kind,
        name=row.name,
        grid_code=row.grid_code,
        lat=row.lat,
        lng=row.lng,
        status=row.status,
        address=row.address,
        owner_department=row.owner_department,
        watched_person_id=masking.id_number_for(actor, row.watched_person_id),
        faces_uscc=row.faces_uscc,
        last_seen_at=row.last_seen_at,
    )


def _select() -> sa.Select[Any]:
    return sa.select(devices, device_states.c.last_seen_at).select_from(
        devices.outerjoin(device_states, device_states.c.device_code == devices.c.code)
    )


def get(uow: UnitOfWork, actor: Actor, code: str) -> Device:
    row = uow.execute(_select().where(devices.c.code == code)).first()
    if row is None or not actor.scope.covers(row.grid_code):
        raise NotFound(f"device {code} not found", field="device_id")
    return _public(actor, row)


def list_devices(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str | None = None,
    area: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Device]]:
    """Devices in the actor's area (and inside `area`, of `kind`), with the total count."""
    where = [actor.scope.where(devices.c.grid_code)]
    if kind is not None:
        kinds().get(kind)
        where.append(devices.c.kind == kind)
    if area is not None:
        actor.scope.require_overlap(area)
        try:
            where.append(Actor(username="-", role="-", area_code=area).scope.where(devices.c.grid_code))
        except (CodeError, ValueError) as e:
            raise Invalid("area", str(e)) from e
    total = uow.execute(sa.select(sa.func.count()).select_from(devices).where(*where)).scalar_one()
    rows = uow.execute(_select().where(*where).order_by(devices.c.code).limit(limit).offset(offset))
    return int(total), [_public(actor, r) for r in rows]


SEVERITY_RANK = {"info": 0, "minor": 1, "major": 2, "critical": 3}


def layer(
    uow: UnitOfWork, actor: Actor, *, area: str | None, kind: str | None, only_alarmed: bool, limit: int
) -> list[tuple[Any, str | None]]:
    """Devices in the actor's area for the map, each with its most severe open alarm."""
    from gridbrain.perception.model import OPEN_ALARM
    from gridbrain.perception.tables import alarms

    where = [actor.scope.where(devices.c.grid_code)]
    if area is not None:
        actor.scope.require_overlap(area)
        try:
            where.append(Actor(username="-", role="-", area_code=area).scope.where(devices.c.grid_code))
        except (CodeError, ValueError) as e:
            raise Invalid("area", str(e)) from e
    if kind is not None:
        kinds().get(kind)
        where.append(devices.c.kind == kind)
    open_ = (
        sa.select(alarms.c.device_code, alarms.c.severity)
        .where(alarms.c.status.in_(OPEN_ALARM), actor.scope.where(alarms.c.grid_code))
        .subquery()
    )
    worst: dict[str, str] = {}
    for r in uow.execute(sa.select(open_.c.device_code, open_.c.severity)):
        code, severity = r.device_code, r.severity
        if SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK.get(worst.get(code, "info"), 0):
            worst[code] = severity
    if only_alarmed:
        where.append(sa.or_(devices.c.status == "offline", devices.c.code.in_(sorted(worst)) if worst else sa.false()))
    q = sa.select(devices.c.code, devices.c.kind, devices.c.name, devices.c.status, devices.c.lat, devices.c.lng)
    rows = uow.execute(q.where(*where).order_by(devices.c.code).limit(limit))
    return [(r, worst.get(r.code)) for r in rows]


class DeviceCache:
    """Registered devices by code, for admission: looked up once per process, then remembered.
    A code not found is asked again next time (it may have been registered since)."""

    def __init__(self) -> None:
        self._refs: dict[str, DeviceRef] = {}
        self._lock = threading.Lock()

    def forget(self, code: str | None = None) -> None:
        with self._lock:
            if code is None:
                self._refs.clear()
            else:
                self._refs.pop(code, None)

    def lookup(self, uow: UnitOfWork, codes: Iterable[str]) -> dict[str, DeviceRef]:
        wanted = set(codes)
        missing = [c for c in wanted if c not in self._refs]
        if missing:
            found = uow.execute(
                sa.select(
                    devices.c.code,
                    devices.c.kind,
                    devices.c.grid_code,
                    devices.c.lat,
                    devices.c.lng,
                    devices.c.watched_person_id,
                ).where(one_of(devices.c.code, missing, postgres=uow.postgres))
            )
            known = kinds().kinds
            with self._lock:
                for r in found:
                    if r.kind in known:  # a device of a kind no longer shipped cannot report
                        self._refs[r.code] = DeviceRef(
                            r.code, r.kind, r.grid_code, r.lat, r.lng, r.watched_person_id is not None
                        )
        return {c: self._refs[c] for c in wanted if c in self._refs}

    def preload(self, uow: UnitOfWork) -> int:
        """Remember every registered device at once (a consumer's start)."""
        codes = [r[0] for r in uow.execute(sa.select(devices.c.code))]
        for i in range(0, len(codes), 10_000):
            self.lookup(uow, codes[i : i + 10_000])
        return len(self._refs)


cache = DeviceCache()
