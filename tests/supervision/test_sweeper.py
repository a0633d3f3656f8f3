"""The sweeper: one yellow, one red, one escalation per clock, even with concurrent sweepers."""

from __future__ import annotations

import threading
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork, make_engine
from gridbrain.events import service as events
from gridbrain.events.tables import event_transitions
from gridbrain.supervision import sweeper
from gridbrain.supervision.model import CHINA
from gridbrain.supervision.tables import cards, deadlines


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)  # type: ignore[misc]


def card_rows(engine: Engine) -> list[tuple[str, str, int, str]]:
    with UnitOfWork(engine) as uow:
        return [(r.event_id, r.kind, r.round, r.colour) for r in uow.execute(sa.select(cards).order_by(cards.c.id))]


def escalations(engine: Engine, event_id: str) -> int:
    with UnitOfWork(engine) as uow:
        return uow.execute(
            sa.select(sa.func.count())
            .select_from(event_transitions)
            .where(event_transitions.c.event_id == event_id, event_transitions.c.action == "escalated")
        ).scalar_one()


def test_an_overdue_event_gets_one_yellow_then_one_red_card_and_escalates_once(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))  # response: 1 working hour, yellow after 48 minutes
    assert sweeper.sweep(wired, cn(2026, 11, 23, 9, 40)).yellow == 0
    first = sweeper.sweep(wired, cn(2026, 11, 23, 9, 50))
    again = sweeper.sweep(wired, cn(2026, 11, 23, 9, 55))
    assert (first.yellow, first.red, again.yellow, again.red) == (1, 0, 0, 0)
    assert card_rows(wired) == [(event_id, "response", 1, "yellow")]

    clock.set_now(cn(2026, 11, 23, 10, 1))
    late = sweeper.sweep(wired)
    assert (late.yellow, late.red, late.escalated) == (0, 1, 1)
    for minute in (2, 3, 4):  # the cron keeps running: nothing more for this clock
        res = sweeper.sweep(wired, cn(2026, 11, 23, 10, minute))
        assert (res.yellow, res.red, res.escalated) == (0, 0, 0)
    assert card_rows(wired) == [(event_id, "response", 1, "yellow"), (event_id, "response", 1, "red")]
    assert escalations(wired, event_id) == 1

    with UnitOfWork(wired) as uow:
        ev = events.get_event(uow, people["admin"], event_id)
    assert ev["level"] == "street"
    assert ev["department_code"].endswith(":street_office")
    rounds = {(d["round"], d["kind"]): d for d in ev["extensions"]["deadlines"]}
    assert rounds[(1, "response")]["status"] == "ended" and rounds[(1, "response")]["red_card_at"] is not None
    assert rounds[(2, "response")]["status"] == "running"  # the street's own clock starts now
    assert [c["colour"] for c in ev["extensions"]["cards"]] == ["yellow", "red"]
    assert ev["extensions"]["cards"][1]["escalated_to"] == "street"
    audit_tags = [e["action"] for e in ev["timeline"] if e["kind"] == "audit"]
    assert audit_tags.count("supervision:card:issued") == 2


def test_a_sweeper_that_was_down_issues_yellow_and_red_at_once_and_escalates_once(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    clock.set_now(cn(2026, 11, 23, 15, 0))
    res = sweeper.sweep(wired)
    assert (res.yellow, res.red, res.escalated) == (1, 1, 1)
    assert [c[3] for c in card_rows(wired)] == ["yellow", "red"]
    assert escalations(wired, event_id) == 1


def test_a_met_clock_gets_no_card(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    clock.set_now(cn(2026, 11, 23, 9, 30))
    with UnitOfWork(wired) as uow:
        events.act(uow, people["c1_office"], event_id, "accept")
        uow.commit()
    res = sweeper.sweep(wired, cn(2026, 11, 23, 11, 0))
    assert (res.yellow, res.red) == (0, 0)


def test_a_district_event_is_red_carded_but_has_nowhere_to_escalate(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))
    with UnitOfWork(wired) as uow:
        uow.execute(deadlines.update().where(deadlines.c.event_id == event_id).values(level="district"))
        uow.commit()
    res = sweeper.sweep(wired, cn(2026, 11, 23, 11, 0))
    assert (res.red, res.escalated) == (1, 0)
    assert escalations(wired, event_id) == 0


def _second_engine(engine: Engine) -> Engine:
    """Another engine (another 'server process') on the same database and schema."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        return make_engine(url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=3)
    return make_engine(url)


def test_two_concurrent_sweepers_issue_each_card_once_and_escalate_each_event_once(report, wired, people):  # type: ignore[no-untyped-def]
    n = 24
    ids = [report(cn(2026, 11, 23, 9, 0), n=i) for i in range(n)]
    other = _second_engine(wired)
    try:
        results: list[sweeper.SweepResult] = []
        errors: list[BaseException] = []

        def run_pair(now: datetime) -> None:
            barrier = threading.Barrier(2)

            def one(engine: Engine) -> None:
                try:
                    barrier.wait()
                    results.append(sweeper.sweep(engine, now, batch=3))
                except BaseException as e:  # surfaced below
                    errors.append(e)

            threads = [threading.Thread(target=one, args=(e,)) for e in (wired, other)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)

        clock.set_now(cn(2026, 11, 23, 9, 50))
        run_pair(cn(2026, 11, 23, 9, 50))
        clock.set_now(cn(2026, 11, 23, 10, 1))
        run_pair(cn(2026, 11, 23, 10, 1))
        run_pair(cn(2026, 11, 23, 10, 2))
    finally:
        other.dispose()
    assert errors == []
    rows = card_rows(wired)
    assert len(rows) == len(set(rows)) == 2 * n
    assert sorted(rows) == sorted([(i, "response", 1, c) for i in ids for c in ("yellow", "red")])
    assert sum(r.yellow for r in results) == n and sum(r.red for r in results) == n
    assert sum(r.escalated for r in results) == n
    assert [escalations(wired, i) for i in ids] == [1] * n
    with UnitOfWork(wired) as uow:
        second = uow.execute(
            sa.select(sa.func.count())
            .select_from(deadlines)
            .where(deadlines.c.round == 2, deadlines.c.status == "running")
        ).scalar_one()
    assert second == 2 * n  # every escalated event has its street clocks running


def test_a_suspended_clock_gets_no_card_and_an_extended_one_turns_red_only_at_its_new_due_time(
    report,
    wired,
    people,  # type: ignore[no-untyped-def]
):
    from gridbrain.supervision.pauses import service as pauses
    from gridbrain.supervision.pauses.model import Decide, RequestPause

    paused = report(cn(2026, 11, 23, 9, 0), n=1)
    extended = report(cn(2026, 11, 23, 9, 0), n=2)
    clock.set_now(cn(2026, 11, 23, 9, 10))
    with UnitOfWork(wired) as uow:
        p = pauses.request_pause(
            uow, people["c1_office"], RequestPause.of(paused, kind="suspension", reason="等待鉴定")
        )
        pauses.decide_pause(uow, people["street1_op"], Decide(p.id, approve=True))
        uow.commit()
    assert sweeper.sweep(wired, cn(2026, 11, 23, 9, 50)).yellow == 1  # only the running one
    with UnitOfWork(wired) as uow:
        e = pauses.request_pause(
            uow,
            people["c1_office"],
            RequestPause.of(extended, kind="extension", reason="需协调", value=2, unit="working_hours"),
        )
        pauses.decide_pause(uow, people["street1_op"], Decide(e.id, approve=True))
        uow.commit()
    assert sweeper.sweep(wired, cn(2026, 11, 23, 10, 30)).red == 0  # the old due time (10:00) has passed
    late = sweeper.sweep(wired, cn(2026, 11, 23, 12, 1), escalate=False)  # new due time: 12:00
    assert (late.yellow, late.red) == (0, 1)
    assert {(r[0], r[3]) for r in card_rows(wired)} == {(extended, "yellow"), (extended, "red")}


def test_a_sweep_publishes_typed_card_and_escalation_signals_after_its_commit(report, wired, people):  # type: ignore[no-untyped-def]
    from gridbrain.core import signals as core_signals
    from gridbrain.core.levels import Level
    from gridbrain.supervision import signals

    heard: list[object] = []
    core_signals.connect(signals.CardIssued, heard.append)
    core_signals.connect(signals.EventEscalatedBySupervision, heard.append)
    event_id = report(cn(2026, 11, 23, 9, 0))
    sweeper.sweep(wired, cn(2026, 11, 23, 15, 0))
    yellow, red, escalated = heard
    assert isinstance(yellow, signals.YellowCardIssued) and isinstance(red, signals.DeadlineMissed)
    assert (red.event_id, red.deadline_kind, red.round) == (event_id, "response", 1)
    assert red.department_code is not None and red.department_code.endswith(":community_office")
    assert isinstance(escalated, signals.EventEscalatedBySupervision)
    assert (escalated.event_id, escalated.card_id, escalated.from_level, escalated.to_level) == (
        event_id,
        red.card_id,
        Level.COMMUNITY,
        Level.STREET,
    )


def test_an_event_whose_two_clocks_both_ran_out_while_the_sweeper_was_down_climbs_one_level(report, wired, people):  # type: ignore[no-untyped-def]
    event_id = report(cn(2026, 11, 23, 9, 0))  # response due 10:00, disposal due Wednesday 17:30
    res = sweeper.sweep(wired, cn(2026, 11, 27, 9, 0))  # back on Friday
    assert (res.yellow, res.red, res.escalated) == (2, 2, 1)
    assert escalations(wired, event_id) == 1
    with UnitOfWork(wired) as uow:
        ev = events.get_event(uow, people["admin"], event_id)
    assert ev["level"] == "street"  # one level up (community → street), not two
