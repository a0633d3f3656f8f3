"""Wires supervision into the app: event signals move the clocks, the event detail shows
deadlines, cards and similar cases, and the sweeper runs every minute when workers run."""

from __future__ import annotations

import logging
from dataclasses import fields
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from gridbrain.core import signals
from gridbrain.core.db import UnitOfWork
from gridbrain.events.signals import EventChanged
from gridbrain.supervision import cases, service, sweeper

log = logging.getLogger(__name__)


def _clocks(uow: UnitOfWork, sigs: list[EventChanged]) -> None:
    """Apply the event hub's signals to the clocks in the hub's own transaction: an event is
    never dispatched without its clocks, nor do clocks start for a change that rolled back."""
    service.on_events(uow, [(s.action, _as_payload(s)) for s in sigs if s.action in ACTIONS])


ACTIONS = frozenset(
    {"dispatched", "rerouted", "escalated", "reopened", "accepted", "handled", "returned", "cancelled", "closed"}
)


def _as_payload(sig: EventChanged) -> dict[str, Any]:
    return {f.name: getattr(sig, f.name) for f in fields(sig)}


def connect(engine: Engine | None = None) -> None:
    """Subscribe the clocks to the event hub's signals (inside its transaction, before its commit).
    `engine` is accepted for older callers; the handler works in whichever unit of work emits."""
    signals.connect_in_transaction(EventChanged, _clocks)


def register_extensions() -> None:
    from gridbrain.events.service import register_detail_extension

    register_detail_extension("deadlines", service.event_deadlines)
    register_detail_extension("cards", service.event_cards)
    register_detail_extension("similar_cases", cases.similar_cases)


def wire(app: FastAPI) -> None:
    engine: Engine = app.state.engine
    connect()
    register_extensions()
    if app.state.run_workers:
        stop = sweeper.start_worker(engine, app.state.settings.sweeper_interval_s)
        app.state.stops.append(stop)
