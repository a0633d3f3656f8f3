"""The living demo goes through the real intake and lifecycle services."""

from datetime import date

import sqlalchemy as sa

from gridbrain.demo.generator import DemoDistrict
from gridbrain.demo.live import Simulator
from gridbrain.events.tables import events


def test_the_simulator_reports_new_events_and_moves_open_ones_on(engine):
    DemoDistrict(engine, scale=0.0005, seed=3, until=date(2026, 11, 20)).build()
    sim = Simulator(engine, seed=1)
    with engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
    new_ids = [sim.report_one() for _ in range(5)]
    with engine.connect() as conn:
        after = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
        statuses = dict(conn.execute(sa.select(events.c.id, events.c.status).where(events.c.id.in_(new_ids))).all())
    assert after == before + 5
    assert set(statuses.values()) <= {"dispatched", "triage"}
    moved = sim.advance_one()
    assert moved is not None
    event_id, action = moved
    with engine.connect() as conn:
        status = conn.execute(sa.select(events.c.status).where(events.c.id == event_id)).scalar_one()
    assert (action, status) in {("accept", "accepted"), ("start", "in_progress"), ("handle", "handled")}


def test_the_server_runs_the_simulator_only_when_the_living_demo_is_asked_for(engine):
    import threading

    from gridbrain.app import create_app
    from gridbrain.config import Settings

    def live_threads():
        return [t for t in threading.enumerate() if t.name == "demo-live" and t.is_alive()]

    before = len(live_threads())
    quiet = create_app(Settings(database_url="sqlite://"), engine=engine, workers=True)
    assert len(live_threads()) == before
    for stop in quiet.state.stops:
        stop()
    app = create_app(Settings(database_url="sqlite://", demo_live=True), engine=engine, workers=True)
    try:
        assert len(live_threads()) == before + 1
    finally:
        for stop in app.state.stops:
            stop()
