"""One door out (一个口子出): the transactional outbox and its pluggable channel adapters.

Messages are written to `event_outbox` in the same transaction as the change they report, then
delivered at least once by `deliver_due()` (a worker, or `gridbrain events deliver`), with
retries and growing back-off. An adapter is a callable `(message: dict) -> None` that raises on
failure; the logging adapter is the default for every channel nobody plugged in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork, insert_many, one_of
from gridbrain.events.settings import get_event_settings
from gridbrain.events.tables import event_followers, event_outbox

log = logging.getLogger(__name__)

Adapter = Callable[[dict[str, Any]], None]

# the channel an event came in by → the adapter that answers on it
CHANNEL_ADAPTER = {
    "hotline_12345": "hotline_12345",  # 12345 callback
    "app": "app_push",
    "patrol": "app_push",  # the grid worker's app
    "department": "department",
    "iot": "system",
    "video_ai": "system",
    "system": "system",
    "open311": "open311",
}


def logging_adapter(message: dict[str, Any]) -> None:
    log.info(
        "outbox %s → %s %s: %s",
        message["kind"],
        message["adapter"],
        message.get("recipient"),
        message["payload"],
    )


_adapters: dict[str, Adapter] = {}
sent_log: list[dict[str, Any]] = []  # what the logging adapter delivered in this process (tests, demo)


def _default(message: dict[str, Any]) -> None:
    logging_adapter(message)
    sent_log.append(message)
    del sent_log[:-1000]


def register_adapter(name: str, adapter: Adapter) -> None:
    """Plug a channel adapter in (12345 callback, SMS gateway, app push...)."""
    _adapters[name] = adapter


def reset_adapters() -> None:
    _adapters.clear()


def adapter_for_channel(channel: str) -> str:
    return CHANNEL_ADAPTER.get(channel, "logging")


def message(
    *, event_id: str, kind: str, adapter: str, recipient: str | None, payload: dict[str, Any]
) -> dict[str, Any]:
    """An outbox row, pending and due now (for `enqueue_many`)."""
    now = clock.now()
    return {
        "event_id": event_id,
        "kind": kind,
        "adapter": adapter,
        "recipient": recipient,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue(
    uow: UnitOfWork, *, event_id: str, kind: str, adapter: str, recipient: str | None, payload: dict[str, Any]
) -> None:
    enqueue_many(uow, [message(event_id=event_id, kind=kind, adapter=adapter, recipient=recipient, payload=payload)])


def enqueue_many(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Several messages (made by `message`) in one statement, in the caller's transaction."""
    insert_many(uow, event_outbox, rows)


def notify_followers(uow: UnitOfWork, ev: dict[str, Any], payload: dict[str, Any]) -> int:
    """Tell residents following this event, or a place that holds it, about a change."""
    places = [c for c in {ev.get("grid_code"), ev.get("area_code")} if c]
    conds = [event_followers.c.event_id == ev["id"]]
    for code in places:
        # a follower of an area code follows every event whose grid starts with its prefix
        conds.append(
            sa.and_(
                event_followers.c.area_code.is_not(None),
                sa.literal(code).startswith(event_followers.c.area_code),
            )
        )
    rows = uow.execute(sa.select(event_followers).where(sa.or_(*conds))).all()
    seen: set[tuple[str, str]] = set()
    for f in rows:
        if (f.adapter, f.contact) in seen:
            continue
        seen.add((f.adapter, f.contact))
        enqueue(
            uow,
            event_id=ev["id"],
            kind="follow_update",
            adapter=f.adapter,
            recipient=f.contact,
            payload=payload,
        )
    return len(seen)


def deliver_due(engine: Engine, *, limit: int = 100) -> tuple[int, int]:
    """Deliver pending messages that are due: (sent, failed). At least once: a message is
    marked sent only after its adapter returned.

    The batch is claimed in a transaction of its own — each message's next attempt moved one
    lease ahead — and that is committed before anything is sent, so another worker (another
    server process, `gridbrain events deliver`) never takes the same messages; a worker that
    dies mid-batch leaves the rest due again when the lease runs out."""
    settings = get_event_settings()
    rows = _claim(engine, limit, timedelta(seconds=settings.outbox_lease_s))
    sent = failed = 0
    for row in rows:
        error = _send(row)
        with UnitOfWork(engine) as uow:  # each message on its own: a crash re-sends at most the one in flight
            uow.execute(event_outbox.update().where(event_outbox.c.id == row.id).values(**_outcome(row, error)))
            uow.commit()
        if error is None:
            sent += 1
        else:
            failed += 1
    return sent, failed


def _claim(engine: Engine, limit: int, lease: timedelta) -> list[Any]:
    """Take up to `limit` due messages for this worker: locked while claimed (PostgreSQL skips
    rows another worker is claiming; SQLite writers take turns), then not due for `lease`."""
    with UnitOfWork(engine) as uow:
        now = clock.now()
        q = (
            sa.select(event_outbox)
            .where(event_outbox.c.status == "pending", event_outbox.c.next_attempt_at <= now)
            .order_by(event_outbox.c.id)
            .limit(limit)
        )
        if uow.postgres:
            q = q.with_for_update(skip_locked=True)
        rows = uow.execute(q).all()
        if rows:
            claimed = [r.id for r in rows]
            uow.execute(
                event_outbox.update()
                .where(one_of(event_outbox.c.id, claimed, postgres=uow.postgres))
                .values(next_attempt_at=now + lease)
            )
        uow.commit()
    return list(rows)


def _send(row: Any) -> Exception | None:
    """Hand one message to its adapter; the error it raised, or None when it went out."""
    message = {
        "id": row.id,
        "event_id": row.event_id,
        "kind": row.kind,
        "adapter": row.adapter,
        "recipient": row.recipient,
        "payload": row.payload,
    }
    adapter = _adapters.get(row.adapter) or _adapters.get("logging") or _default
    try:
        adapter(message)
    except Exception as e:
        return e
    return None


def _outcome(row: Any, error: Exception | None) -> dict[str, Any]:
    """The columns of a message after an attempt: sent, or pending again later with growing
    back-off, or dead after the last attempt."""
    settings = get_event_settings()
    attempts = row.attempts + 1
    if error is None:
        return {"attempts": attempts, "status": "sent", "sent_at": clock.now(), "last_error": None}
    dead = attempts >= settings.outbox_max_attempts
    delay = timedelta(seconds=settings.outbox_retry_s * 2 ** (attempts - 1))
    return {
        "attempts": attempts,
        "last_error": f"{type(error).__name__}: {error}"[:500],
        "status": "dead" if dead else "pending",
        "next_attempt_at": clock.now() + delay,
    }
