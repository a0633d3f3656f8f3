"""Starts the living-demo simulator when GRIDBRAIN_DEMO_LIVE is set."""

from __future__ import annotations

from fastapi import FastAPI


def wire(app: FastAPI) -> None:
    settings = app.state.settings
    if not (app.state.run_workers and settings.demo_live):
        return
    from gridbrain.demo.live import start

    app.state.stops.append(start(app.state.engine, settings.demo_live_interval_s).set)
