"""Where a report's address text is (the addresses capability's matcher), as intake needs it.

An address the library does not resolve places nothing: the event goes to triage (reason
`address_unresolved`) — never a guess."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from gridbrain.addresses.matcher import matcher_for


@dataclass(frozen=True)
class Place:
    grid_code: str | None
    lat: float | None
    lng: float | None
    address_code: str | None
    address_text: str


def match_address(engine: Engine, text: str, conn: Connection | None = None) -> Place | None:
    """The place of an address text through the address library; None when it is not resolved
    (the caller then sends the event to triage)."""
    # through the caller's connection: on SQLite a second one would wait for our own write lock
    hit = matcher_for(engine, conn).match(text)
    if not hit.resolved:
        return None
    return Place(
        grid_code=hit.grid_code,
        lat=hit.lat,
        lng=hit.lng,
        address_code=hit.code,
        address_text=hit.text or text,
    )
