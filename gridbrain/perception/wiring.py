"""Wires perception into the app: an event's detail shows the alarms behind it (`alarms`), with
the note their clearing left."""

from __future__ import annotations

from fastapi import FastAPI


def register_extensions() -> None:
    from gridbrain.events.service import register_detail_extension
    from gridbrain.perception import alarms

    register_detail_extension("alarms", alarms.of_event)


def wire(app: FastAPI) -> None:
    register_extensions()
