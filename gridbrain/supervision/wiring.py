"""Wires supervision into the app: event signals move the clocks, the event detail shows
deadlines, cards and similar cases, and the sweeper runs every minute when workers run."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from gridbrain.core import signals
from gridbrain.core.db import UnitOfWork
from gridbrain.supervision import cases, service, sweeper

log = logging.getLogger(__name__)

ACTIONS = (
    "dispatched",
    "rerouted",
    "escalated",
    "reopened",
    "accepted",
    "handled",
    "returned",
    "cancelled",
    "closed",
)


class _ClockHandler:
    """Applies an event signal to the clocks in its own transaction. Equal per engine, so wiring
    twice (an app and a CLI in one process, tests) never handles a signal twice."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ClockHandler) and other.engine.url == self.engine.url

    def __hash__(self) -> int:
        return hash(str(self.engine.url))

    def __call__(self, sig: signals.Signal) -> None:
        action = sig.name.rsplit(":", 1)[1]
        with UnitOfWork(self.engine) as uow:
            service.on_event(uow, action, sig.payload)
            uow.commit()

    def handle_many(self, sigs: list[signals.Signal]) -> None:
        """A commit's signals (a batch of reports) in one transaction; should that fail, each
        in its own, so one bad signal costs no other event its clocks."""
        try:
            with UnitOfWork(self.engine) as uow:
                service.on_events(uow, [(s.name.rsplit(":", 1)[1], s.payload) for s in sigs])
                uow.commit()
        except Exception:
            log.exception("clocks for a batch of %d signals failed; applying them one by one", len(sigs))
            for sig in sigs:
                try:
                    self(sig)
                except Exception:
                    log.exception("clocks for %s of %s failed", sig.name, sig.payload.get("event_id"))


def connect(engine: Engine) -> None:
    """Subscribe the clocks to the event hub's signals (after its commit, in its own transaction)."""
    handler = _ClockHandler(engine)
    for action in ACTIONS:
        signals.connect(f"events:event:{action}", handler)


def register_extensions() -> None:
    from gridbrain.events.service import register_detail_extension

    register_detail_extension("deadlines", service.event_deadlines)
    register_detail_extension("cards", service.event_cards)
    register_detail_extension("similar_cases", cases.similar_cases)


def wire(app: FastAPI) -> None:
    engine: Engine = app.state.engine
    connect(engine)
    register_extensions()
    if app.state.run_workers:
        stop = sweeper.start_worker(engine, app.state.settings.sweeper_interval_s)
        app.state.stops.append(stop)
