"""The pages' live updates: one broker per app, subscribed to every event change."""

from __future__ import annotations

from fastapi import FastAPI

from gridbrain.core import signals
from gridbrain.events.signals import EventChanged
from gridbrain.supervision.signals import CardIssued
from gridbrain.web.live import Broker


def wire(app: FastAPI) -> None:
    broker = Broker()
    app.state.live = broker
    signals.connect(EventChanged, broker.on_event)
    signals.connect(CardIssued, broker.on_card)
