"""The pages' live updates: one broker per app, subscribed to every event change."""

from __future__ import annotations

from fastapi import FastAPI

from gridbrain.core import signals
from gridbrain.events.signals import EventChanged
from gridbrain.web.live import Broker

CARD_ISSUED = "supervision:card:issued"  # the sweeper's named signal of a yellow or red card


def wire(app: FastAPI) -> None:
    broker = Broker()
    app.state.live = broker
    signals.connect(EventChanged, broker.on_event)
    signals.connect(CARD_ISSUED, broker.on_card)
