"""Intake in batches (group commit), on both databases: a batch answers each report as a report of
its own would be answered, a bad report costs the others nothing, and retries and duplicates
inside one batch are recognised."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import DomainError, Invalid
from gridbrain.events import service
from gridbrain.events.batcher import IntakeBatcher
from gridbrain.events.tables import event_outbox, event_transitions, events
from gridbrain.supervision import wiring
from gridbrain.supervision.tables import deadlines

HOTLINE = Actor(username="hotline", role="district_operator", area_code="330110000000")


def _report(district, grid: int, shift: float = 0.0, **extra) -> service.Report:  # type: ignore[no-untyped-def]
    lat, lng = district.centre(district.grids[grid])
    body = {"channel": "hotline_12345", "text": "路灯不亮", "lat": lat + shift, "lng": lng, "matter_code": "C010301"}
    return service.Report(**{**body, **extra})


def _count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_batch_routes_each_report_as_a_single_report_would(engine, district):
    reports = [_report(district, g, shift=0.002 * g) for g in range(4)]
    with UnitOfWork(engine) as uow:
        alone = [service.report(uow, HOTLINE, r).event for r in reports]
        uow.rollback()
    with UnitOfWork(engine) as uow:
        batch = service.report_many(uow, [(HOTLINE, r) for r in reports])
        uow.commit()
    assert all(isinstance(b, service.Intake) and b.created for b in batch)
    got = [(b.event["status"], b.event["level"], b.event["department_code"], b.event["grid_code"]) for b in batch]  # type: ignore[union-attr]
    assert got == [(a["status"], a["level"], a["department_code"], a["grid_code"]) for a in alone]
    assert _count(engine, events) == 4
    assert _count(engine, event_transitions) == 8  # reported + dispatched each
    assert _count(engine, event_outbox) == 4  # one department notice each


def test_a_bad_report_answers_its_own_error_and_the_others_go_in(engine, district):
    good, bad = _report(district, 0), _report(district, 1, matter_code="Z999999")
    with UnitOfWork(engine) as uow:
        out = service.report_many(uow, [(HOTLINE, good), (HOTLINE, bad), (HOTLINE, _report(district, 2, shift=0.01))])
        uow.commit()
    assert isinstance(out[0], service.Intake) and out[0].created
    assert isinstance(out[1], Invalid) and out[1].field == "matter_code"
    assert isinstance(out[2], service.Intake) and out[2].created
    assert _count(engine, events) == 2


def test_a_retry_inside_one_batch_makes_one_event(engine, district):
    first = _report(district, 0, external_id="12345-0001")
    again = _report(district, 0, external_id="12345-0001")
    with UnitOfWork(engine) as uow:
        a, b = service.report_many(uow, [(HOTLINE, first), (HOTLINE, again)])
        uow.commit()
    assert isinstance(a, service.Intake) and isinstance(b, service.Intake)
    assert a.created and not b.created
    assert a.event["id"] == b.event["id"]
    assert _count(engine, events) == 1
    # and a retry in a later batch answers the stored event
    with UnitOfWork(engine) as uow:
        (c,) = service.report_many(uow, [(HOTLINE, _report(district, 0, external_id="12345-0001"))])
        uow.commit()
    assert isinstance(c, service.Intake) and not c.created and c.event["id"] == a.event["id"]


def test_a_duplicate_inside_one_batch_is_linked_to_the_first_report(engine, district):
    near = [_report(district, 0), _report(district, 0, shift=0.0001)]  # ~11 m apart, same matter
    with UnitOfWork(engine) as uow:
        a, b = service.report_many(uow, [(HOTLINE, r) for r in near])
        uow.commit()
    assert isinstance(a, service.Intake) and isinstance(b, service.Intake)
    assert a.event["status"] == "dispatched"
    assert b.event["status"] == "cancelled" and b.duplicate_of == a.event["id"]
    with engine.connect() as c:
        assert c.execute(sa.select(events.c.reports_count).where(events.c.id == a.event["id"])).scalar_one() == 2


def test_a_batch_starts_the_clocks_of_its_dispatched_events_in_the_same_transaction(engine, district):
    wiring.connect()
    reports = [_report(district, g, shift=0.002 * g) for g in range(3)]
    with UnitOfWork(engine) as uow:
        service.report_many(uow, [(HOTLINE, r) for r in reports])
        uow.rollback()  # nothing of the batch stays: no events, no clocks
    assert _count(engine, events) == 0 and _count(engine, deadlines) == 0
    with UnitOfWork(engine) as uow:
        out = service.report_many(uow, [(HOTLINE, r) for r in reports])
        uow.commit()
    with engine.connect() as c:
        rows = c.execute(sa.select(deadlines.c.event_id, deadlines.c.kind, deadlines.c.round)).all()
    ids = {o.event["id"] for o in out if isinstance(o, service.Intake)}
    assert {(r.event_id, r.kind, r.round) for r in rows} == {(i, k, 1) for i in ids for k in ("response", "disposal")}


def test_the_batcher_answers_every_caller_after_the_commit_and_each_error_to_its_caller(engine, district):
    batcher = IntakeBatcher(engine, max_batch=16)
    results: dict[int, object] = {}

    def submit(i: int) -> None:
        extra = {"matter_code": "Z999999"} if i % 5 == 4 else {}
        try:
            results[i] = batcher.submit(HOTLINE, _report(district, i % 8, shift=0.002 * i, **extra)).result(timeout=60)
        except DomainError as e:
            results[i] = e

    try:
        threads = [threading.Thread(target=submit, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        batcher.close()
    created = [r for r in results.values() if isinstance(r, service.Intake)]
    refused = [r for r in results.values() if isinstance(r, Invalid)]
    assert len(created) == 32 and len(refused) == 8
    assert all(r.field == "matter_code" for r in refused)
    with engine.connect() as c:  # every answered event is stored
        stored = set(c.execute(sa.select(events.c.id)).scalars())
    assert {r.event["id"] for r in created} == stored
    assert batcher.reports == 40 and 1 <= batcher.batches <= 40


def test_the_writer_warms_up_before_its_first_batch_and_a_failed_warm_up_only_costs_time(engine, district):
    warming, release = threading.Event(), threading.Event()

    def warm() -> None:
        warming.set()
        release.wait(10)
        raise RuntimeError("model file unreadable")  # logged; the writer goes on

    batcher = IntakeBatcher(engine, warm=warm)
    try:
        batcher.start()
        assert warming.wait(10)
        pending = batcher.submit(HOTLINE, _report(district, 0))  # arrives while warming up: it queues
        assert not pending.done() and _count(engine, events) == 0
        release.set()
        out = pending.result(timeout=60)
    finally:
        batcher.close()
    assert out.created and _count(engine, events) == 1


def test_the_intake_warm_up_loads_the_classifier_and_the_grids(engine, district):
    import gc

    from gridbrain.areas import locator
    from gridbrain.events import intake

    locator.invalidate(engine)
    assert engine not in locator._cache
    try:
        intake.warm(engine)
        assert gc.get_freeze_count() > 0  # what was loaded is out of the collector's way
    finally:
        gc.unfreeze()
    assert engine in locator._cache
    assert locator.locator_for(engine).locate(*district.centre(district.grids[0])).grid_code == district.grids[0]


def test_the_writer_keeps_its_connection_and_takes_a_fresh_one_when_it_broke(engine, district):
    batcher = IntakeBatcher(engine)
    try:
        first = batcher.submit(HOTLINE, _report(district, 0)).result(timeout=60)
        kept = batcher._conn
        assert kept is not None
        second = batcher.submit(HOTLINE, _report(district, 1)).result(timeout=60)
        assert batcher._conn is kept  # no checkout per batch
        kept.connection.dbapi_connection.close()  # the server went away under it
        third = batcher.submit(HOTLINE, _report(district, 2)).result(timeout=60)
        assert batcher._conn is not None and batcher._conn is not kept
    finally:
        batcher.close()
    assert first.created and second.created and third.created
    assert _count(engine, events) == 3
