"""Small helpers shared by the event hub's API tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gridbrain.events.tables import event_transitions


def post_event(client: Any, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    """POST /api/v1/events; the report must be taken (201 new, 200 seen before)."""
    r = client.post("/api/v1/events", json=body, headers=headers)
    assert r.status_code in (200, 201), r.text
    return r.json()


def act(client: Any, headers: dict[str, str], event_id: str, action: str, **body: Any) -> dict[str, Any]:
    """POST /api/v1/events/{id}/actions/{action}; the action must succeed."""
    r = client.post(f"/api/v1/events/{event_id}/actions/{action}", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def transitions(engine: Any, event_id: str) -> list[tuple[str, str | None, str]]:
    """(action, from, to) of an event's transitions, in order."""
    with engine.connect() as c:
        q = sa.select(event_transitions).where(event_transitions.c.event_id == event_id)
        rows = c.execute(q.order_by(event_transitions.c.seq)).all()
    return [(r.action, r.from_status, r.to_status) for r in rows]
