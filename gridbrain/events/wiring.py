"""Background work of the event hub: the outbox deliverer and the return-visit scheduler."""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI

from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.events import outbox, service
from gridbrain.events.settings import get_event_settings

log = logging.getLogger(__name__)


def wire(app: FastAPI) -> None:
    if not app.state.run_workers:
        return
    engine = app.state.engine
    stop = threading.Event()
    interval = get_event_settings().outbox_interval_s

    def loop() -> None:
        ticks = 0
        while not stop.wait(interval):
            try:
                outbox.deliver_due(engine, limit=500)
                ticks += 1
                if ticks % 60 == 0:
                    with UnitOfWork(engine) as uow:
                        service.schedule_return_visits(uow, Actor.system("events-worker"))
                        uow.commit()
            except Exception:
                log.exception("event hub worker failed; retrying next tick")

    thread = threading.Thread(target=loop, name="events-outbox", daemon=True)
    thread.start()
    app.state.stops.append(stop.set)
