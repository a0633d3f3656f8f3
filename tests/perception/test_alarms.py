"""Readings raise and clear alarms; configured rules open one event in the hub and note it."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from gridbrain.core import audit, clock
from gridbrain.core.db import UnitOfWork
from gridbrain.events.tables import events
from gridbrain.perception import intake
from gridbrain.perception.tables import alarms, devices
from tests.perception.helpers import add_device, reading, send

T0 = datetime(2026, 7, 1, 8, 0)


def _status(engine, code):
    with UnitOfWork(engine) as uow:
        return uow.execute(sa.select(devices.c.status).where(devices.c.code == code)).scalar_one()


def _alarms(engine):
    with UnitOfWork(engine) as uow:
        return [dict(r._mapping) for r in uow.execute(sa.select(alarms))]


def test_water_held_above_its_threshold_opens_one_alarm_and_one_iot_event(engine, district):
    clock.set_now(T0)
    add_device(engine, district, "WL1", "water_level")
    send(engine, reading("WL1", clock.now(), depth_cm=3))
    for i in range(1, 6):  # held three readings: the third opens, the rest repeat
        clock.advance(timedelta(minutes=5))
        send(engine, reading("WL1", clock.now(), depth_cm=20 + i))
    found = [a for a in _alarms(engine) if a["rule_code"] != "rising_fast"]  # 3 → 21 cm in 5 min is fast too
    assert [(a["rule_code"], a["status"], a["repeats"]) for a in found] == [("flooding", "active", 3)]
    with UnitOfWork(engine) as uow:
        evs = list(uow.execute(sa.select(events.c.id, events.c.channel, events.c.matter_code)))
    assert [(e.channel, e.matter_code) for e in evs] == [("iot", "E040102")]
    assert found[0]["event_id"] == evs[0].id


def test_water_falling_back_clears_the_alarm_and_notes_its_event(engine, district):
    clock.set_now(T0)
    add_device(engine, district, "WL2", "water_level")
    for i in range(3):
        clock.advance(timedelta(minutes=5))
        send(engine, reading("WL2", clock.now(), depth_cm=30 + i))
    clock.advance(timedelta(minutes=5))
    send(engine, reading("WL2", clock.now(), depth_cm=2))
    (alarm,) = [a for a in _alarms(engine) if a["rule_code"] == "flooding"]
    assert alarm["status"] == "cleared"
    assert alarm["cleared_by"] == "perception"
    with UnitOfWork(engine) as uow:
        notes = audit.entries(uow, subject_id=alarm["event_id"], tag_prefix="perception:event:noted")
    assert len(notes) == 1
    assert notes[0]["detail"]["alarm_id"] == alarm["id"]


def test_a_threshold_not_held_long_enough_raises_nothing(engine, district):
    clock.set_now(T0)
    add_device(engine, district, "WL3", "water_level")
    for depth in (16, 17, 14, 16, 17, 14):  # never three readings in a row above 15 cm
        clock.advance(timedelta(minutes=5))
        send(engine, reading("WL3", clock.now(), depth_cm=depth))
    assert _alarms(engine) == []


def test_an_elderly_residents_door_silent_for_a_day_raises_a_care_alarm_to_their_grid_worker(engine, district):
    clock.set_now(T0)
    add_device(engine, district, "DM1", "door_magnet", watched_person_id="330110194001011234")
    send(engine, reading("DM1", clock.now(), opens=2))
    for _ in range(47):  # the sensor keeps reporting: zero openings every half hour
        clock.advance(timedelta(minutes=30))
        send(engine, reading("DM1", clock.now(), opens=0))
        with UnitOfWork(engine) as uow:
            intake.sweep(uow)
            uow.commit()
    assert _alarms(engine) == []  # 23.5 h quiet: not yet
    clock.advance(timedelta(minutes=30))
    with UnitOfWork(engine) as uow:
        intake.sweep(uow)
        uow.commit()
    (alarm,) = _alarms(engine)
    assert (alarm["rule_code"], alarm["recipient"], alarm["severity"]) == ("no_activity", "grid1_worker", "major")
    with UnitOfWork(engine) as uow:
        ev = uow.execute(sa.select(events).where(events.c.id == alarm["event_id"])).one()
    assert (ev.channel, ev.matter_code) == ("iot", "H070101")


def test_a_door_opening_again_clears_the_care_alarm(engine, district):
    clock.set_now(T0)
    add_device(engine, district, "DM2", "door_magnet", watched_person_id="330110194001011234")
    send(engine, reading("DM2", clock.now(), opens=1))
    clock.advance(timedelta(hours=25))
    with UnitOfWork(engine) as uow:
        intake.sweep(uow)
        uow.commit()
    assert _status(engine, "DM2") == "offline"
    send(engine, reading("DM2", clock.now(), opens=1))
    assert _status(engine, "DM2") == "online"
    statuses = sorted((a["rule_code"], a["status"]) for a in _alarms(engine))
    assert statuses == [("no_activity", "cleared"), ("offline", "cleared")]
