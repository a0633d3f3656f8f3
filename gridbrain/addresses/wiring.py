"""Build the address matcher in the background when the server starts, so the first match
does not wait for the index of a seed-scale library."""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI

from gridbrain.addresses.matcher import matcher_for

log = logging.getLogger(__name__)


def wire(app: FastAPI) -> None:
    if not app.state.run_workers:
        return
    engine = app.state.engine

    def warm() -> None:
        try:
            m = matcher_for(engine)
            log.info("address matcher ready: %d addresses", len(m))
        except Exception:  # a missing table on a fresh database must not stop the server
            log.exception("address matcher could not be built at start; it will be built on first use")

    threading.Thread(target=warm, name="addresses-warm", daemon=True).start()
