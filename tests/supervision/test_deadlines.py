"""Deadlines driven by the event hub's lifecycle, pauses and extensions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Forbidden, Invalid
from gridbrain.core.levels import Level
from gridbrain.events import service as events
from gridbrain.events.signals import EventDispatched
from gridbrain.supervision import queries, service
from gridbrain.supervision.model import CHINA
from gridbrain.supervision.pauses import service as pauses
from gridbrain.supervision.pauses.model import Decide, RequestPause
from gridbrain.supervision.tables import deadlines


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)  # type: ignore[misc]


def detail(engine, actor, event_id):  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        return events.get_event(uow, actor, event_id)


def clocks(engine, event_id):  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        rows = uow.execute(
            sa.select(deadlines).where(deadlines.c.event_id == event_id).order_by(deadlines.c.round, deadlines.c.kind)
        ).all()
    return {(r.round, r.kind): r for r in rows}


def act(engine, actor, event_id, action, **kw):  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        out = events.act(uow, actor, event_id, action, **kw)
        uow.commit()
    return out


def test_a_two_working_day_matter_dispatched_on_the_friday_before_national_day_is_due_after_the_worked_sunday(
    report,
    wired,
    people,  # type: ignore[no-untyped-def]
):
    event_id = report(cn(2025, 9, 26, 10, 0))
    ext = detail(wired, people["admin"], event_id)["extensions"]
    by_kind = {d["kind"]: d for d in ext["deadlines"]}
    assert by_kind["disposal"]["due_at"] == cn(2025, 9, 29, 17, 30)  # Sunday Sep 28 was a working day
    assert by_kind["response"]["due_at"] == cn(2025, 9, 26, 11, 0)
    assert by_kind["disposal"]["limit"] == {"value": 2.0, "unit": "working_days"}
    assert ext["cards"] == []


def test_a_two_working_day_matter_dispatched_on_the_last_day_before_national_day_2026_is_due_after_it(
    report,
    wired,
    people,  # type: ignore[no-untyped-def]
):
    event_id = report(cn(2026, 9, 30, 15, 0))
    by_kind = {d["kind"]: d for d in detail(wired, people["admin"], event_id)["extensions"]["deadlines"]}
    assert by_kind["disposal"]["due_at"] == cn(2026, 10, 9, 17, 30)
    assert by_kind["response"]["due_at"] == cn(2026, 9, 30, 16, 0)


def test_accepting_meets_the_response_clock_and_handling_meets_the_disposal_clock(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    clock.set_now(cn(2026, 11, 23, 9, 30))
    act(wired, people["c1_office"], event_id, "accept")
    c = clocks(wired, event_id)
    assert c[(1, "response")].status == "met" and c[(1, "disposal")].status == "running"
    act(wired, people["c1_office"], event_id, "start")
    clock.set_now(cn(2026, 11, 24, 10, 0))
    act(wired, people["c1_office"], event_id, "handle", note="已清理")
    c = clocks(wired, event_id)
    assert c[(1, "disposal")].status == "met"
    assert c[(1, "disposal")].next_check_at is None
    views = {d["kind"]: d for d in detail(wired, people["admin"], event_id)["extensions"]["deadlines"]}
    assert views["disposal"]["overdue"] is False and views["response"]["overdue"] is False


def test_a_return_ends_the_clocks_and_the_new_dispatch_starts_a_second_round(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    clock.set_now(cn(2026, 11, 23, 9, 20))
    act(wired, people["c1_office"], event_id, "return", note="不属于本社区职责")
    c = clocks(wired, event_id)
    assert {r.end_reason for r in c.values()} == {"returned"}
    clock.set_now(cn(2026, 11, 23, 10, 0))
    act(wired, people["street1_op"], event_id, "dispatch", level="street")
    c = clocks(wired, event_id)
    assert c[(2, "response")].status == "running"
    assert c[(2, "response")].started_at == cn(2026, 11, 23, 10, 0)
    assert c[(2, "response")].department_code.endswith(":street_office")
    assert c[(2, "response")].previous_department_code.endswith(":community_office")


def test_a_suspension_stops_the_clock_only_once_approved_and_shows_in_the_timeline(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    due = clocks(wired, event_id)[(1, "disposal")].due_at
    clock.set_now(cn(2026, 11, 23, 10, 0))
    with UnitOfWork(wired) as uow:
        req = pauses.request_pause(
            uow, people["c1_office"], RequestPause.of(event_id, kind="suspension", reason="等待业主回国")
        )
        uow.commit()
    assert clocks(wired, event_id)[(1, "disposal")].status == "running"  # a request alone changes nothing
    with UnitOfWork(wired) as uow, pytest.raises(Forbidden):
        pauses.decide_pause(uow, people["c1_office"], Decide(req.id, approve=True))
    clock.set_now(cn(2026, 11, 23, 11, 0))
    with UnitOfWork(wired) as uow:
        pauses.decide_pause(uow, people["street1_op"], Decide(req.id, approve=True, note="同意"))
        uow.commit()
    paused = clocks(wired, event_id)[(1, "disposal")]
    assert paused.status == "paused" and paused.next_check_at is None
    clock.set_now(cn(2026, 11, 25, 11, 0))  # two working days later
    with UnitOfWork(wired) as uow:
        pauses.end_suspension(uow, people["street1_op"], req.id)
        uow.commit()
    resumed = clocks(wired, event_id)[(1, "disposal")]
    assert resumed.status == "running"
    assert resumed.due_at == cn(2026, 11, 27, 17, 30)  # was 25th 17:30; two working days were paused
    assert due == cn(2026, 11, 25, 17, 30)
    tags = [e["action"] for e in detail(wired, people["admin"], event_id)["timeline"] if e["kind"] == "audit"]
    assert "supervision:suspension:requested" in tags
    assert "supervision:suspension:approved" in tags
    assert "supervision:suspension:ended" in tags


def test_an_approved_extension_moves_the_due_time_and_a_rejected_one_does_not(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    clock.set_now(cn(2026, 11, 23, 9, 10))
    act(wired, people["c1_office"], event_id, "accept")
    with UnitOfWork(wired) as uow:
        r1 = pauses.request_pause(
            uow,
            people["c1_office"],
            RequestPause.of(event_id, kind="extension", reason="需协调物业", value=3, unit="working_days"),
        )
        with pytest.raises(Conflict):
            pauses.request_pause(
                uow,
                people["c1_office"],
                RequestPause.of(event_id, kind="extension", reason="again", value=1, unit="working_days"),
            )
        pauses.decide_pause(uow, people["street1_op"], Decide(r1.id, approve=False, note="理由不充分"))
        uow.commit()
    assert clocks(wired, event_id)[(1, "disposal")].due_at == cn(2026, 11, 25, 17, 30)
    with UnitOfWork(wired) as uow:
        r2 = pauses.request_pause(
            uow,
            people["c1_office"],
            RequestPause.of(event_id, kind="extension", reason="需协调物业", value=3, unit="working_days"),
        )
        pauses.decide_pause(uow, people["street1_op"], Decide(r2.id, approve=True))
        uow.commit()
    d = clocks(wired, event_id)[(1, "disposal")]
    assert d.due_at == cn(2026, 11, 30, 17, 30) and d.extensions == 1
    assert clocks(wired, event_id)[(1, "response")].extensions == 0  # met clocks are not extended


def test_bad_pause_requests_are_refused_naming_the_field(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    with UnitOfWork(wired) as uow:
        with pytest.raises(Invalid) as e:
            pauses.request_pause(
                uow,
                people["c1_office"],
                RequestPause.of(event_id, kind="extension", reason="x", value=-1, unit="working_days"),
            )
        assert e.value.field == "extension.value"
        with pytest.raises(Invalid) as e:
            pauses.request_pause(uow, people["c1_office"], RequestPause.of(event_id, kind="holiday", reason="x"))
        assert e.value.field == "kind"
        with pytest.raises(Invalid) as e:
            pauses.request_pause(uow, people["c1_office"], RequestPause.of(event_id, kind="suspension", reason="  "))
        assert e.value.field == "reason"


def test_an_event_outside_the_actor_s_area_has_no_deadlines_for_them(report, wired, people):  # type: ignore[no-untyped-def]
    from gridbrain.core.errors import NotFound

    event_id = report(cn(2026, 11, 23, 9, 0))
    with UnitOfWork(wired) as uow, pytest.raises(NotFound):
        queries.event_deadlines(uow, people["street2_op"], event_id)


def test_calendar_limits_run_through_the_night(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 16, 0), matter_code="T020101", text="路灯不亮了，晚上很黑")
    c = clocks(wired, event_id)
    assert c[(1, "response")].due_at == cn(2026, 11, 23, 18, 0)
    assert c[(1, "disposal")].due_at == cn(2026, 11, 23, 16, 0) + timedelta(days=3)
    assert c[(1, "response")].level == "street"


def test_clocks_lost_with_a_signal_are_started_by_reconcile_and_never_twice(engine, district, people):  # type: ignore[no-untyped-def]
    from gridbrain.core.auth import Actor

    # no wiring: the event hub's signal reaches nobody, as if the process died after its commit
    clock.set_now(cn(2026, 11, 23, 9, 0))
    lat, lng = district.centre(district.grids[0])
    with UnitOfWork(engine) as uow:
        ev = events.report(
            uow,
            Actor.system("hotline"),
            events.Report(channel="hotline_12345", text="楼道堆物", lat=lat, lng=lng, matter_code="T010101"),
        ).event
        uow.commit()
    assert clocks(engine, ev["id"]) == {}
    with UnitOfWork(engine) as uow:
        assert service.reconcile(uow) == 0  # too fresh: the signal may still be on its way
    clock.set_now(cn(2026, 11, 23, 9, 10))
    with UnitOfWork(engine) as uow:
        assert service.reconcile(uow) == 1
        uow.commit()
    c = clocks(engine, ev["id"])
    assert c[(1, "response")].started_at == cn(2026, 11, 23, 9, 0)
    assert c[(1, "disposal")].due_at == cn(2026, 11, 25, 17, 30)
    with UnitOfWork(engine) as uow:
        assert service.reconcile(uow) == 0
        # the late signal arrives after all: no second round
        service.on_events(
            uow,
            [
                EventDispatched(
                    event_id=ev["id"],
                    from_status="triaged",
                    to_status="dispatched",
                    at=cn(2026, 11, 23, 9, 0),
                    actor="hotline",
                    matter_code=ev["matter_code"],
                    level=Level(ev["level"]),
                    department_code=ev["department_code"],
                    grid_code=ev["grid_code"],
                    area_code=ev["area_code"],
                )
            ],
        )
        uow.commit()
    assert set(clocks(engine, ev["id"])) == {(1, "response"), (1, "disposal")}
