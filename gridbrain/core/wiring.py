"""Kernel background work: the audit sealer gives committed entries their place in the hash chain."""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI

from gridbrain.core import audit_chain

log = logging.getLogger(__name__)


def wire(app: FastAPI) -> None:
    interval = app.state.settings.audit_seal_interval_s
    if not app.state.run_workers or interval <= 0:
        return
    engine = app.state.engine
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                audit_chain.seal_all(engine)
            except Exception:
                log.exception("audit sealer failed; retrying next tick")

    threading.Thread(target=loop, name="audit-sealer", daemon=True).start()
    app.state.stops.append(stop.set)
