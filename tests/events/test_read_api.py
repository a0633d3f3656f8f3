"""What other capabilities read of the event library through `events.queries`, on both
databases: events by id, events in work dispatched without something the caller keeps, and
closings with their satisfaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import NotFound
from gridbrain.core.levels import Level
from gridbrain.events import actions, queries, service
from gridbrain.events.model import Event, Status
from gridbrain.events.tables import event_transitions

HOTLINE = Actor(username="hotline", role="district_operator", area_code="330110000000")
ADMIN = Actor.system("t")


def _report(uow, district, grid: int, text: str = "路灯不亮") -> str:  # type: ignore[no-untyped-def]
    lat, lng = district.centre(district.grids[grid])
    r = service.Report(channel="hotline_12345", text=text, lat=lat, lng=lng, matter_code="C010301")
    return str(service.report(uow, HOTLINE, r).event["id"])


def test_events_are_read_by_id_as_event_aggregates_whoever_area_they_are_in(engine, district):
    with UnitOfWork(engine) as uow:
        a, b = _report(uow, district, 0), _report(uow, district, 5)
        uow.commit()
        one = queries.get(uow, a)
        many = queries.get_many(uow, [a, b, "nope"])
        assert queries.get(uow, "nope") is None
    assert isinstance(one, Event) and one.status == Status.DISPATCHED and one.grid_code == district.grids[0]
    assert set(many) == {a, b} and many[b].grid_code == district.grids[5]
    assert one.level in set(Level)


def test_events_in_work_dispatched_before_a_time_are_listed_unless_the_callers_condition_holds(engine, district):
    clock.set_now(clock.now())
    with UnitOfWork(engine) as uow:
        old, kept = _report(uow, district, 0), _report(uow, district, 1)
        uow.commit()
    clock.advance(timedelta(minutes=10))
    with UnitOfWork(engine) as uow:
        fresh = _report(uow, district, 2)
        uow.commit()

        # the caller's own condition, correlated on the event: here "has a transition with a note"
        def noted(event_id, dispatched_at):  # type: ignore[no-untyped-def]
            t = event_transitions.c
            return sa.exists().where(t.event_id == event_id, t.note == "kept", t.at >= dispatched_at)

        uow.execute(event_transitions.update().where(event_transitions.c.event_id == kept).values(note="kept"))
        found = queries.dispatched_before(uow, clock.now() - timedelta(minutes=5), unless=noted)
        everything = queries.dispatched_before(uow, clock.now())
    assert [e for e, _ in found] == [old]
    assert {e for e, _ in everything} == {old, kept, fresh}


def test_closings_and_their_satisfaction_are_tallied_per_department_within_the_period(engine, district):
    clock.set_now(clock.now())
    since = clock.now() - timedelta(hours=1)
    with UnitOfWork(engine) as uow:
        ids = [_report(uow, district, g, text=f"路灯不亮{g}") for g in (0, 3)]
        uow.commit()
        for i, event_id in enumerate(ids):
            for action in ("accept", "start", "handle", "verify", "close"):
                actions.act(uow, ADMIN, event_id, action, note="已修复")
            actions.rate(uow, ADMIN, event_id, rating=4 + i)
        uow.commit()
        departments = {e.department_code for e in queries.get_many(uow, ids).values()}
        tallies = queries.closed_tallies(uow, ADMIN, since=since, until=clock.now() + timedelta(seconds=1))
        street = queries.closed_tallies(uow, ADMIN, since=since, until=clock.now() + timedelta(seconds=1), by="street")
        none = queries.closed_tallies(uow, ADMIN, since=since - timedelta(days=2), until=since)
    assert set(tallies) == departments
    assert sum(t.closed for t in tallies.values()) == 2
    assert sum(t.satisfaction_sum for t in tallies.values()) == 9
    assert sum(t.satisfaction_n for t in tallies.values()) == 2
    assert set(street) == {district.grids[0][:9], district.grids[3][:9]}
    assert none == {}


def test_an_actor_outside_the_events_area_gets_404_from_load(engine, district):
    with UnitOfWork(engine) as uow:
        a = _report(uow, district, 0)
        uow.commit()
        other = Actor(username="s2", role="street_operator", area_code=district.streets[1])
        with pytest.raises(NotFound):
            queries.load(uow, other, a)
