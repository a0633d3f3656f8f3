"""Wires supervision into the app: event signals move the clocks, the event detail shows
deadlines, cards and similar cases, and the sweeper runs every minute when workers run."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from gridbrain.core import signals
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.events.signals import EventChanged
from gridbrain.supervision import cases, queries, service, sweeper
from gridbrain.supervision.schemas import CardPublic, CasePublic, DeadlinePublic

log = logging.getLogger(__name__)


def _clocks(uow: UnitOfWork, sigs: list[EventChanged]) -> None:
    """Apply the event hub's signals to the clocks in the hub's own transaction: an event is
    never dispatched without its clocks, nor do clocks start for a change that rolled back."""
    service.on_events(uow, sigs)


def connect(engine: Engine | None = None) -> None:
    """Subscribe the clocks to the event hub's signals (inside its transaction, before its commit).
    `engine` is accepted for older callers; the handler works in whichever unit of work emits."""
    signals.connect_in_transaction(EventChanged, _clocks)


# the event detail's extensions answer plain JSON-ready values, shaped by the public schemas
def _deadlines(uow: UnitOfWork, actor: Actor, event_id: str) -> list[dict[str, object]]:
    return [DeadlinePublic.of(d).model_dump() for d in queries.event_deadlines(uow, actor, event_id)]


def _cards(uow: UnitOfWork, actor: Actor, event_id: str) -> list[dict[str, object]]:
    return [CardPublic.of(c).model_dump() for c in queries.event_cards(uow, actor, event_id)]


def _similar(uow: UnitOfWork, actor: Actor, event_id: str) -> list[dict[str, object]]:
    return [CasePublic.of(c).model_dump() for c in cases.similar_cases(uow, actor, event_id)]


def register_extensions() -> None:
    from gridbrain.events.service import register_detail_extension

    register_detail_extension("deadlines", _deadlines)
    register_detail_extension("cards", _cards)
    register_detail_extension("similar_cases", _similar)


def wire(app: FastAPI) -> None:
    engine: Engine = app.state.engine
    connect()
    register_extensions()
    if app.state.run_workers:
        stop = sweeper.start_worker(engine, app.state.settings.sweeper_interval_s)
        app.state.stops.append(stop)
