"""Background work of the event hub: the outbox deliverer and the return-visit scheduler."""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from gridbrain.catalog import service as catalog_service
from gridbrain.core import signals
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.events import intake, outbox, service
from gridbrain.events.batcher import IntakeBatcher
from gridbrain.events.settings import get_event_settings

log = logging.getLogger(__name__)


def wire(app: FastAPI) -> None:
    _follow_the_active_catalog(app)
    # intake's group commit: one writer thread per process, started with the server (warm start)
    # or else by the first report
    engine = app.state.engine
    app.state.intake = IntakeBatcher(engine, warm=lambda: intake.warm(engine))
    app.state.stops.append(app.state.intake.close)
    if app.state.settings.warm_start:
        app.state.intake.start()
    if not app.state.run_workers:
        return
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


def _follow_the_active_catalog(app: FastAPI) -> None:
    """Dispatch with the catalog version an admin published (事项清单 edits reach 定性定责 at once
    in the process that published it — by its signal — and within `catalog_poll_s` in the others)."""
    engine = app.state.engine

    def load(_signal: signals.Signal | None = None) -> None:
        try:
            follow_catalog(engine, always=True)
        except Exception:
            log.exception("could not load the active catalog; keeping the one in use")

    load()
    signals.connect(catalog_service.PUBLISHED, load)
    interval = get_event_settings().catalog_poll_s
    if interval <= 0:
        return
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(interval):
            try:
                follow_catalog(engine)
            except Exception:
                log.exception("could not look at the active catalog version; trying again")

    threading.Thread(target=poll, name="events-catalog", daemon=True).start()
    app.state.stops.append(stop.set)


def follow_catalog(engine: Engine, *, always: bool = False) -> bool:
    """Use the active published catalog if it is not the one in use — another server process
    published or activated it (`always`: load it whatever the version in use). One small read
    when nothing changed; answers whether a published catalog was taken. Without a published
    version the catalog in use stays (the shipped one, or a district's)."""
    with UnitOfWork(engine) as uow:
        version = catalog_service.active_version(uow)
        if version is None or (version == service.catalog().version and not always):
            return False
        published = catalog_service.published_catalog(uow)
    if published is None:
        return False
    service.use_catalog(published)
    log.info("catalog version %s is now in force in this process", published.version)
    return True
