"""Devices and readings for the perception tests, through the real services."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.engine import Engine

from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.perception import devices, intake
from gridbrain.perception.intake import Incoming, Outcome
from tests.factories import District

ADMIN = Actor.system("test")


def add_device(engine: Engine, district: District, code: str, kind: str, *, grid: int = 0, **extra: object) -> None:
    lat, lng = district.centre(district.grids[grid])
    with UnitOfWork(engine) as uow:
        devices.register(
            uow,
            ADMIN,
            devices.NewDevice(
                code=code, kind=kind, name=f"测试{code}", grid_code=district.grids[grid], lat=lat, lng=lng, **extra
            ),  # type: ignore[arg-type]
        )
        uow.commit()


def reading(device: str, at: datetime, **values: float) -> bytes:
    return json.dumps({"device_id": device, "ts": at.isoformat(), "values": values}).encode()


def send(engine: Engine, *payloads: bytes | str | dict[str, object], source: str = "http") -> Outcome:
    with UnitOfWork(engine) as uow:
        out = intake.ingest(uow, [Incoming(source, p) for p in payloads])
        uow.commit()
    return out
